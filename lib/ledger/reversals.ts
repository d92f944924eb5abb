import { and, eq, inArray, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { billingAccounts, ledgerEntries } from "@/db/schema";
import { AccountNotFoundError } from "./errors";

// Taking credit back: a top-up that Stripe refunded to the card, or that the cardholder
// disputed (a chargeback). The credit may already be spent; the balance never goes below
// zero (CHECK constraint) and reserved credit belongs to requests in flight, so a reversal
// debits what is spendable now and records the rest as owed. While anything is owed the
// account is frozen (the API answers 402, lib/api/with-api-key.ts); the next top-up pays
// the owed amount back first (settleOwed) and so unfreezes it. A dispute the merchant wins
// gives back what its reversal took (reinstateCredit): first what the account owes, then the
// rest to the balance. Each step is one ledger entry, in one transaction with the account
// row locked, idempotent by its reference.
//
// Credit kinds (./credit-kinds.ts): a reversal takes back PAID credit only. Promotional
// credit (the free credit, operator grants) is never taken: what the paid credit left
// (spendable, not held by requests in flight) cannot cover is owed, exactly as when the
// credit was spent. So a dispute that finds only promotional credit left debits nothing,
// records the whole amount as owed in its ledger entry's metadata and freezes the account;
// the promotional credit stays (and keeps its expiry), usable again once a top-up has paid
// the debt back (settleOwed, which also takes paid credit only). The account reaches
// "owing" only through this ledger entry. What a won dispute gives back is paid credit.

export type ReversalKind = "refund" | "dispute";

export type ReversalResult = {
  /** False when this reference was already applied (a replayed or concurrent event). */
  applied: boolean;
  /** What this reversal took from the balance now. */
  debitedMicroUsd: bigint;
  /** What it could not take, added to the account's debt. */
  owedAddedMicroUsd: bigint;
  /** The account's whole debt afterwards: frozen while > 0. */
  owedMicroUsd: bigint;
};

const max0 = (v: bigint) => (v > 0n ? v : 0n);

type Locked = { balance: bigint; reserved: bigint; owed: bigint; promo: bigint };

/** Paid credit that can be taken now: not promotional, not held by requests in flight. */
function paidSpendable(acct: Locked): bigint {
  const spendable = acct.balance - acct.reserved;
  const paid = acct.balance - acct.promo;
  return max0(spendable < paid ? spendable : paid);
}

async function lockAccount(tx: Queryable, accountId: string): Promise<Locked> {
  const [acct] = await tx
    .select({
      balance: billingAccounts.balanceMicroUsd,
      reserved: billingAccounts.reservedMicroUsd,
      owed: billingAccounts.owedMicroUsd,
      promo: billingAccounts.promoMicroUsd,
    })
    .from(billingAccounts)
    .where(eq(billingAccounts.id, accountId))
    .for("update");
  if (!acct) throw new AccountNotFoundError(accountId);
  return acct;
}

async function alreadyApplied(tx: Queryable, reference: string): Promise<boolean> {
  const [row] = await tx.select({ id: ledgerEntries.id }).from(ledgerEntries).where(eq(ledgerEntries.reference, reference));
  return !!row;
}

/**
 * Sum already reversed (refunds and disputes, owed parts included) against one top-up,
 * read under the account lock. A charge can be refunded in parts and disputed as well;
 * together they never take back more than the top-up credited. A won dispute's
 * reinstatement (kind `dispute`, negative `reversed_micro_usd`) nets its reversal out, so a
 * refund after a won dispute may again take back up to what the top-up credited.
 */
export async function reversedForTopUp(
  tx: Queryable,
  accountId: string,
  paymentIntentId: string,
  kinds: ReversalKind[] = ["refund", "dispute"],
): Promise<bigint> {
  const [r] = await tx
    .select({ total: sql<string>`coalesce(sum((${ledgerEntries.metadata}->>'reversed_micro_usd')::bigint), 0)::text` })
    .from(ledgerEntries)
    .where(
      and(eq(ledgerEntries.accountId, accountId), inArray(ledgerEntries.kind, kinds), sql`${ledgerEntries.metadata}->>'payment_intent' = ${paymentIntentId}`),
    );
  return BigInt(r?.total ?? "0");
}

export type ReversalInput = {
  accountId: string;
  kind: ReversalKind;
  /** The top-up being reversed (its ledger reference) and what it credited: the cap. */
  paymentIntentId: string;
  creditedMicroUsd: bigint;
  /**
   * A dispute names its own amount (`exact`); a refund event carries the charge's running
   * total refunded (`cumulative`), so the amount is that total minus what earlier refunds of
   * this top-up already took. Both are read under the account lock, so refund events that
   * arrive together or out of order still add up to the total.
   */
  amount: { exactMicroUsd: bigint } | { cumulativeMicroUsd: bigint };
  reference: string;
  description: string;
  metadata?: Record<string, unknown>;
};

/**
 * Takes credit back from an account, once per `reference`. Runs in its own transaction,
 * or inside the caller's (the webhook's, which also records the Stripe event).
 */
export async function reverseCredit(db: Queryable, input: ReversalInput): Promise<ReversalResult> {
  return db.transaction(async (tx) => {
    const acct = await lockAccount(tx, input.accountId);
    if (await alreadyApplied(tx, input.reference)) {
      return { applied: false, debitedMicroUsd: 0n, owedAddedMicroUsd: 0n, owedMicroUsd: acct.owed };
    }
    const all = await reversedForTopUp(tx, input.accountId, input.paymentIntentId);
    const wanted =
      "exactMicroUsd" in input.amount
        ? input.amount.exactMicroUsd
        : input.amount.cumulativeMicroUsd - (await reversedForTopUp(tx, input.accountId, input.paymentIntentId, [input.kind]));
    const room = input.creditedMicroUsd - all;
    const amount = max0(wanted < room ? wanted : room);
    const spendable = paidSpendable(acct);
    const debit = amount < spendable ? amount : spendable;
    const owedAdded = amount - debit;
    const balanceAfter = acct.balance - debit;
    await tx
      .update(billingAccounts)
      .set({ balanceMicroUsd: balanceAfter, owedMicroUsd: acct.owed + owedAdded })
      .where(eq(billingAccounts.id, input.accountId));
    // Written even when nothing could be debited (amount 0): the entry is the reversal's
    // record, its reference makes it happen once, and its metadata carries the full amount.
    await tx.insert(ledgerEntries).values({
      accountId: input.accountId,
      kind: input.kind,
      amountMicroUsd: -debit,
      balanceAfterMicroUsd: balanceAfter,
      reference: input.reference,
      description: input.description,
      metadata: {
        ...input.metadata,
        payment_intent: input.paymentIntentId,
        reversed_micro_usd: amount.toString(),
        owed_added_micro_usd: owedAdded.toString(),
      },
    });
    return { applied: true, debitedMicroUsd: debit, owedAddedMicroUsd: owedAdded, owedMicroUsd: acct.owed + owedAdded };
  });
}

/**
 * Pays the account's debt from its spendable balance, once per `reference` (the top-up
 * that brought the money). Returns what is still owed: 0 means the account is unfrozen.
 */
export async function settleOwed(db: Queryable, input: { accountId: string; reference: string }): Promise<{ paidMicroUsd: bigint; owedMicroUsd: bigint }> {
  return db.transaction(async (tx) => {
    const acct = await lockAccount(tx, input.accountId);
    if (acct.owed === 0n || (await alreadyApplied(tx, input.reference))) return { paidMicroUsd: 0n, owedMicroUsd: acct.owed };
    const spendable = paidSpendable(acct);
    const paid = acct.owed < spendable ? acct.owed : spendable;
    if (paid === 0n) return { paidMicroUsd: 0n, owedMicroUsd: acct.owed };
    const balanceAfter = acct.balance - paid;
    const owedAfter = acct.owed - paid;
    await tx.update(billingAccounts).set({ balanceMicroUsd: balanceAfter, owedMicroUsd: owedAfter }).where(eq(billingAccounts.id, input.accountId));
    await tx.insert(ledgerEntries).values({
      accountId: input.accountId,
      kind: "recovery",
      amountMicroUsd: -paid,
      balanceAfterMicroUsd: balanceAfter,
      reference: input.reference,
      description: owedAfter === 0n ? "Paid back what refunds/disputes left owed; account unfrozen" : "Paid back part of what refunds/disputes left owed",
      metadata: { owed_before_micro_usd: acct.owed.toString(), owed_after_micro_usd: owedAfter.toString() },
    });
    return { paidMicroUsd: paid, owedMicroUsd: owedAfter };
  });
}

export type ReinstateInput = {
  /** The reversal being given back: its ledger reference (`dispute:<dispute id>`). */
  reversalReference: string;
  /** Once per reversal (`dispute_won:<dispute id>`): every event that reinstates it uses the same one. */
  reference: string;
  describe: (r: { reinstatedMicroUsd: bigint; unowedMicroUsd: bigint; creditedMicroUsd: bigint }) => string;
  metadata?: Record<string, unknown>;
};

export type ReinstateResult = {
  /** False when there was nothing to reinstate or it was already done (replayed or concurrent event). */
  applied: boolean;
  skipped?: "not_reversed" | "already_reinstated";
  /** The account the reversal was taken from (null when there is no such reversal). */
  accountId: string | null;
  /** What the reversal had taken (balance and owed together): all of it comes back. */
  reinstatedMicroUsd: bigint;
  /** The part that cancelled what the account owed. */
  unowedMicroUsd: bigint;
  /** The part credited to the balance: the ledger entry's amount. */
  creditedMicroUsd: bigint;
  /** The account's whole debt afterwards. */
  owedMicroUsd: bigint;
  /** True when this reinstatement brought the debt to zero: the account is no longer frozen. */
  unfrozen: boolean;
};

/**
 * Gives back what a reversal (a dispute the merchant won) took, once per `reference`. A
 * reversal that was never applied (no ledger entry under `reversalReference`) gives back
 * nothing.
 *
 * The user ends exactly as if the reversal had never happened, never better: balance minus
 * owed rises by exactly what the reversal took (its `reversed_micro_usd`, owed part
 * included). That amount first cancels what the account owes, then the rest is credited.
 * The owed total is one pool: a top-up's recovery may since have paid part of it (that
 * money was taken from a later top-up, so it comes back as balance), and other reversals may
 * have added to it. Paying the pool first is what the next top-up would do anyway
 * (settleOwed), and it is the split the account would have had without this reversal:
 * what the reversal debited would have been there to cover the other debts.
 */
export async function reinstateCredit(db: Queryable, input: ReinstateInput): Promise<ReinstateResult> {
  return db.transaction(async (tx) => {
    const none = (skipped: ReinstateResult["skipped"], accountId: string | null, owed = 0n): ReinstateResult => ({
      applied: false,
      skipped,
      accountId,
      reinstatedMicroUsd: 0n,
      unowedMicroUsd: 0n,
      creditedMicroUsd: 0n,
      owedMicroUsd: owed,
      unfrozen: false,
    });
    // Ledger rows are never updated: reading the reversal before taking the lock is safe.
    const [reversal] = await tx
      .select({ accountId: ledgerEntries.accountId, kind: ledgerEntries.kind, amount: ledgerEntries.amountMicroUsd, metadata: ledgerEntries.metadata })
      .from(ledgerEntries)
      .where(eq(ledgerEntries.reference, input.reversalReference));
    const meta = (reversal?.metadata ?? {}) as Record<string, unknown>;
    if (
      !reversal ||
      (reversal.kind !== "refund" && reversal.kind !== "dispute") ||
      reversal.amount > 0n ||
      typeof meta.reversed_micro_usd !== "string" ||
      "reinstates" in meta
    ) {
      return none("not_reversed", reversal?.accountId ?? null);
    }
    const acct = await lockAccount(tx, reversal.accountId);
    if (await alreadyApplied(tx, input.reference)) return none("already_reinstated", reversal.accountId, acct.owed);
    const reinstated = max0(BigInt(meta.reversed_micro_usd));
    const unowed = reinstated < acct.owed ? reinstated : acct.owed;
    const credited = reinstated - unowed;
    const balanceAfter = acct.balance + credited;
    const owedAfter = acct.owed - unowed;
    await tx.update(billingAccounts).set({ balanceMicroUsd: balanceAfter, owedMicroUsd: owedAfter }).where(eq(billingAccounts.id, reversal.accountId));
    // The same kind as the reversal, with a positive amount: the billing page shows the
    // reversal and its reinstatement side by side, and reversedForTopUp nets them.
    await tx.insert(ledgerEntries).values({
      accountId: reversal.accountId,
      kind: reversal.kind,
      amountMicroUsd: credited,
      creditKind: credited > 0n ? "paid" : null,
      balanceAfterMicroUsd: balanceAfter,
      reference: input.reference,
      description: input.describe({ reinstatedMicroUsd: reinstated, unowedMicroUsd: unowed, creditedMicroUsd: credited }),
      metadata: {
        ...input.metadata,
        payment_intent: meta.payment_intent ?? null,
        reinstates: input.reversalReference,
        reversed_micro_usd: (-reinstated).toString(),
        reinstated_micro_usd: reinstated.toString(),
        unowed_micro_usd: unowed.toString(),
        credited_micro_usd: credited.toString(),
        owed_before_micro_usd: acct.owed.toString(),
        owed_after_micro_usd: owedAfter.toString(),
      },
    });
    return {
      applied: true,
      accountId: reversal.accountId,
      reinstatedMicroUsd: reinstated,
      unowedMicroUsd: unowed,
      creditedMicroUsd: credited,
      owedMicroUsd: owedAfter,
      unfrozen: acct.owed > 0n && owedAfter === 0n,
    };
  });
}

export async function readOwed(db: Queryable, accountId: string): Promise<bigint> {
  const [row] = await db.select({ owed: billingAccounts.owedMicroUsd }).from(billingAccounts).where(eq(billingAccounts.id, accountId));
  if (!row) throw new AccountNotFoundError(accountId);
  return row.owed;
}
