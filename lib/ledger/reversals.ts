import { and, eq, inArray, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { billingAccounts, ledgerEntries } from "@/db/schema";
import { AccountNotFoundError } from "./errors";

// Taking credit back: a top-up that Stripe refunded to the card, or that the cardholder
// disputed (a chargeback). The credit may already be spent; the balance never goes below
// zero (CHECK constraint) and reserved credit belongs to requests in flight, so a reversal
// debits what is spendable now and records the rest as owed. While anything is owed the
// account is frozen (the API answers 402, lib/api/with-api-key.ts); the next top-up pays
// the owed amount back first (settleOwed) and so unfreezes it. Each step is one ledger
// entry, in one transaction with the account row locked, idempotent by its reference.

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

type Locked = { balance: bigint; reserved: bigint; owed: bigint };

async function lockAccount(tx: Queryable, accountId: string): Promise<Locked> {
  const [acct] = await tx
    .select({ balance: billingAccounts.balanceMicroUsd, reserved: billingAccounts.reservedMicroUsd, owed: billingAccounts.owedMicroUsd })
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
 * together they never take back more than the top-up credited.
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
    const spendable = max0(acct.balance - acct.reserved);
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
    const spendable = max0(acct.balance - acct.reserved);
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

export async function readOwed(db: Queryable, accountId: string): Promise<bigint> {
  const [row] = await db.select({ owed: billingAccounts.owedMicroUsd }).from(billingAccounts).where(eq(billingAccounts.id, accountId));
  if (!row) throw new AccountNotFoundError(accountId);
  return row.owed;
}
