import { eq, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { rows } from "@/db/rows";
import { billingAccounts, ledgerEntries, type CreditKind, type LedgerKind } from "@/db/schema";
import { newId } from "@/lib/ids";
import { defaultCreditKind, materializeLots, openLot, promotionalExpiry } from "./credit-kinds";
import { AccountNotFoundError, InsufficientCreditError } from "./errors";
import { reservationTtlSeconds } from "./ttl";

// The money core. Invariants, all enforced inside database transactions:
//   balance = Σ ledger_entries.amount        (cached on billing_accounts, same transaction)
//   0 <= reserved <= balance                  (CHECK constraints; the last line of defence)
//   a reference moves money at most once      (UNIQUE on ledger_entries.reference)
// Spendable credit is balance - reserved. Requests reserve their worst case, then settle
// to the actual cost, which never exceeds what was reserved, so a settle can never push
// the balance below zero whatever the concurrency.

export type Balance = { balanceMicroUsd: bigint; reservedMicroUsd: bigint; availableMicroUsd: bigint };

export async function readBalance(db: Queryable, accountId: string): Promise<Balance> {
  const [row] = await db
    .select({ balance: billingAccounts.balanceMicroUsd, reserved: billingAccounts.reservedMicroUsd })
    .from(billingAccounts)
    .where(eq(billingAccounts.id, accountId));
  if (!row) throw new AccountNotFoundError(accountId);
  return { balanceMicroUsd: row.balance, reservedMicroUsd: row.reserved, availableMicroUsd: row.balance - row.reserved };
}

export type PostEntryInput = {
  accountId: string;
  kind: LedgerKind;
  /** Signed: positive credits the account, negative debits it. */
  amountMicroUsd: bigint;
  /** Unique across the ledger; posting the same reference twice is a no-op. */
  reference: string;
  description: string;
  requestId?: string;
  metadata?: Record<string, unknown>;
  /** A credit's kind; default: grants are promotional, every other credit paid (./credit-kinds.ts). */
  creditKind?: CreditKind;
  /** Promotional credit only: when it expires (null: never); default FREE_CREDIT_EXPIRES_DAYS from now. */
  expiresAt?: Date | null;
};

export type PostResult = { applied: boolean; balanceAfterMicroUsd: bigint; entryId: number };

/**
 * Posts one ledger entry and moves the cached balance with it, atomically and
 * idempotently. A debit may not eat into reserved credit (InsufficientCreditError).
 */
export async function postEntry(db: Queryable, input: PostEntryInput): Promise<PostResult> {
  return db.transaction(async (tx) => {
    // Lock the account row first: concurrent posts for one account queue here, so the
    // duplicate check below sees every committed entry.
    const [acct] = await tx
      .select({ balance: billingAccounts.balanceMicroUsd, reserved: billingAccounts.reservedMicroUsd, promo: billingAccounts.promoMicroUsd })
      .from(billingAccounts)
      .where(eq(billingAccounts.id, input.accountId))
      .for("update");
    if (!acct) throw new AccountNotFoundError(input.accountId);

    const [existing] = await tx
      .select({ id: ledgerEntries.id, accountId: ledgerEntries.accountId, balanceAfter: ledgerEntries.balanceAfterMicroUsd })
      .from(ledgerEntries)
      .where(eq(ledgerEntries.reference, input.reference));
    if (existing) {
      if (existing.accountId !== input.accountId) {
        throw new Error(`ledger reference ${input.reference} belongs to another account`);
      }
      return { applied: false, balanceAfterMicroUsd: acct.balance, entryId: existing.id };
    }

    const balanceAfter = acct.balance + input.amountMicroUsd;
    if (balanceAfter < acct.reserved) {
      throw new InsufficientCreditError(acct.balance - acct.reserved, -input.amountMicroUsd);
    }
    // Credits: promotional ones open a lot (after the lots are brought up to date under this
    // lock). Debits (negative adjustments) spend like usage: promotional credit first.
    const creditKind = input.amountMicroUsd > 0n ? (input.creditKind ?? defaultCreditKind(input.kind)) : null;
    let promoPart = 0n;
    if (creditKind === "promotional") {
      promoPart = input.amountMicroUsd;
      await materializeLots(tx, input.accountId, acct.promo);
      const expiresAt = input.expiresAt === undefined ? promotionalExpiry(new Date()) : input.expiresAt;
      await openLot(tx, { accountId: input.accountId, reference: input.reference, amountMicroUsd: input.amountMicroUsd, expiresAt });
    } else if (input.amountMicroUsd < 0n) {
      promoPart = -(acct.promo < -input.amountMicroUsd ? acct.promo : -input.amountMicroUsd);
    }
    await tx
      .update(billingAccounts)
      .set({ balanceMicroUsd: balanceAfter, promoMicroUsd: acct.promo + promoPart })
      .where(eq(billingAccounts.id, input.accountId));
    const [entry] = await tx
      .insert(ledgerEntries)
      .values({
        accountId: input.accountId,
        kind: input.kind,
        amountMicroUsd: input.amountMicroUsd,
        balanceAfterMicroUsd: balanceAfter,
        reference: input.reference,
        description: input.description,
        requestId: input.requestId,
        metadata: input.metadata,
        creditKind,
        promoMicroUsd: promoPart,
      })
      .returning({ id: ledgerEntries.id });
    return { applied: true, balanceAfterMicroUsd: balanceAfter, entryId: entry.id };
  });
}

/** A grant: promotional credit unless `creditKind` says paid (tests, benches). */
export function grant(
  db: Queryable,
  input: {
    accountId: string;
    amountMicroUsd: bigint;
    reference: string;
    description: string;
    metadata?: Record<string, unknown>;
    creditKind?: CreditKind;
    expiresAt?: Date | null;
  },
) {
  if (input.amountMicroUsd <= 0n) throw new RangeError("a grant must be positive");
  return postEntry(db, { ...input, kind: "grant" });
}

export type Reservation = { id: string; accountId: string; requestId: string; amountMicroUsd: bigint };

/**
 * Holds `amountMicroUsd` of spendable credit for one request, in a single statement:
 * the conditional UPDATE takes the row lock and checks spendable credit atomically, so
 * any number of concurrent reservations can never hold more than the balance.
 *
 * Committed with synchronous_commit = off (set inside the statement, so no extra round
 * trip): the commit does not wait for the WAL flush (~3 ms here), which is most of a
 * reservation's latency, and the account row lock is released that much sooner. What a
 * PostgreSQL crash can cost: reservations made in the last moments before it (at most
 * ~3 × wal_writer_delay) are forgotten, atomically with the held credit. Their requests
 * then settle to nothing (settle finds no reservation): an under-charge, never an
 * over-charge, and balance = Σ ledger still holds. Settles, which move money, are durable
 * (lib/ledger/settle-batch.ts), and each one's flush also makes every earlier hold durable.
 */
export async function reserve(
  db: Queryable,
  input: {
    accountId: string;
    keyId?: string | null;
    requestId: string;
    amountMicroUsd: bigint;
    ttlSeconds?: number;
    /** Refuse unless the spendable credit is at least this much (credit leases ask for a multiple of the amount). */
    minAvailableMicroUsd?: bigint;
  },
): Promise<Reservation> {
  if (input.amountMicroUsd < 0n) throw new RangeError("reservation must be >= 0");
  const id = newId("res");
  const ttl = input.ttlSeconds ?? reservationTtlSeconds();
  const inserted = await rows<{ id: string }>(
    db,
    sql`with acct as (
          update billing_accounts
             set reserved_micro_usd = reserved_micro_usd + ${input.amountMicroUsd}
           where id = ${input.accountId}
             and balance_micro_usd - reserved_micro_usd >= greatest(${input.amountMicroUsd}::bigint, ${input.minAvailableMicroUsd ?? 0n}::bigint)
             and set_config('synchronous_commit', 'off', true) is not null
       returning id)
        insert into reservations (id, account_id, key_id, request_id, amount_micro_usd, expires_at)
        select ${id}, acct.id, ${input.keyId ?? null}, ${input.requestId}, ${input.amountMicroUsd},
               now() + make_interval(secs => ${ttl})
          from acct
     returning id`,
  );
  if (inserted.length === 0) {
    const bal = await readBalance(db, input.accountId); // throws AccountNotFoundError
    throw new InsufficientCreditError(bal.availableMicroUsd, input.amountMicroUsd);
  }
  return { id, accountId: input.accountId, requestId: input.requestId, amountMicroUsd: input.amountMicroUsd };
}

/** Σ ledger vs the cached balance, for tests, the CLI and operators. */
export async function auditAccount(db: Queryable, accountId: string) {
  const [r] = await rows<{
    ledger_sum: string | number | null;
    ledger_promo: string | number | null;
    balance: string | number;
    reserved: string | number;
    promo: string | number;
    held: string | number | null;
  }>(
    db,
    sql`select (select coalesce(sum(amount_micro_usd), 0) from ledger_entries where account_id = ${accountId}) as ledger_sum,
               (select coalesce(sum(promo_micro_usd), 0) from ledger_entries where account_id = ${accountId}) as ledger_promo,
               a.balance_micro_usd as balance, a.reserved_micro_usd as reserved, a.promo_micro_usd as promo,
               (select coalesce(sum(amount_micro_usd), 0) from reservations where account_id = ${accountId}) as held
          from billing_accounts a where a.id = ${accountId}`,
  );
  if (!r) throw new AccountNotFoundError(accountId);
  const ledgerSum = BigInt(r.ledger_sum ?? 0);
  const balance = BigInt(r.balance);
  const reserved = BigInt(r.reserved);
  const held = BigInt(r.held ?? 0);
  const ledgerPromo = BigInt(r.ledger_promo ?? 0);
  const promo = BigInt(r.promo);
  return {
    ledgerSumMicroUsd: ledgerSum,
    balanceMicroUsd: balance,
    reservedMicroUsd: reserved,
    /** The promotional part: cached, and Σ of the ledger's promotional parts. */
    promoMicroUsd: promo,
    ledgerPromoMicroUsd: ledgerPromo,
    ok: ledgerSum === balance && reserved === held && balance >= 0n && reserved <= balance && ledgerPromo === promo && promo >= 0n && promo <= balance,
  };
}
