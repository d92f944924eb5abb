import { and, asc, eq, gt, lte, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { billingAccounts, creditLots, ledgerEntries, type CreditKind, type LedgerKind } from "@/db/schema";
import { env } from "@/lib/env";
import { AccountNotFoundError } from "./errors";

// Credit with a kind (issue 20 item 2). Every credit is promotional (the free credit,
// operator grants) or paid (top-ups, auto top-ups, won disputes, positive adjustments).
//
//   promotional part = billing_accounts.promo_micro_usd = Σ ledger_entries.promo_micro_usd
//   paid part        = balance - promotional part
//
// Spend order: usage spends promotional credit first (settle statements: the promotional
// part of each usage entry is min(charge, promotional left)), soonest expiry first among
// promotional grants. Refunds and disputes take back paid credit only (./reversals.ts);
// what the paid credit cannot cover is owed, so an account whose paid credit is gone is
// frozen even while promotional credit is left (that credit is not taken, it keeps its
// expiry). Negative adjustments spend like usage: promotional credit first.
//
// Lots. Each promotional grant is a credit lot with an expiry (FREE_CREDIT_EXPIRES_DAYS
// after the grant, default 365; 0 = never). The hot path (settles, in batches) only lowers
// the account's promotional total; which lots that spent follows from the spend order, so
// the lots' `remaining` is brought up to date ("materialised") under the account row lock
// whenever the set of lots changes (a grant, an expiry): between two such points the lots
// are fixed and were spent soonest expiry first, so the total spent since the last
// materialisation is taken from them in that order. Expiry is a ledger entry (kind
// `expiry`), written by the sweeper (expirePromotionalCredit), never a silent change.

export const DEFAULT_FREE_CREDIT_EXPIRES_DAYS = 365;

/** FREE_CREDIT_EXPIRES_DAYS when set, else 365; 0 means promotional credit never expires. */
export function freeCreditExpiresDays(): number {
  return env().FREE_CREDIT_EXPIRES_DAYS ?? DEFAULT_FREE_CREDIT_EXPIRES_DAYS;
}

/** The expiry of promotional credit granted at `at` (null: never). */
export function promotionalExpiry(at: Date, days = freeCreditExpiresDays()): Date | null {
  return days === 0 ? null : new Date(at.getTime() + days * 86_400_000);
}

/** The kind of a credit (a positive entry): grants are promotional, everything else paid. */
export function defaultCreditKind(kind: LedgerKind): CreditKind {
  return kind === "grant" ? "promotional" : "paid";
}

export type Lot = { id: number; reference: string; amountMicroUsd: bigint; remainingMicroUsd: bigint; expiresAt: Date | null; createdAt: Date };

/** Soonest expiry first; lots that never expire last; then in grant order. */
export function spendOrder(a: Lot, b: Lot): number {
  const ea = a.expiresAt?.getTime() ?? Infinity;
  const eb = b.expiresAt?.getTime() ?? Infinity;
  if (ea !== eb) return ea < eb ? -1 : 1;
  return a.id - b.id;
}

/**
 * The lots as they stand when the account's promotional total is `promoMicroUsd`: what was
 * spent since the lots were last materialised (Σ remaining - promo) taken soonest expiry
 * first. Pure; sorted in spend order.
 */
export function allocateLots(lots: Lot[], promoMicroUsd: bigint, opts: { strict?: boolean } = {}): Lot[] {
  const sorted = [...lots].sort(spendOrder);
  let spent = sorted.reduce((s, l) => s + l.remainingMicroUsd, 0n) - promoMicroUsd;
  if (spent < 0n) {
    if (opts.strict !== false) throw new Error(`credit lots hold ${promoMicroUsd + spent} but the account's promotional credit is ${promoMicroUsd}`);
    spent = 0n;
  }
  return sorted.map((l) => {
    const take = spent < l.remainingMicroUsd ? spent : l.remainingMicroUsd;
    spent -= take;
    return { ...l, remainingMicroUsd: l.remainingMicroUsd - take };
  });
}

const LOT_COLUMNS = {
  id: creditLots.id,
  reference: creditLots.reference,
  amountMicroUsd: creditLots.amountMicroUsd,
  remainingMicroUsd: creditLots.remainingMicroUsd,
  expiresAt: creditLots.expiresAt,
  createdAt: creditLots.createdAt,
};

async function openLots(db: Queryable, accountId: string): Promise<Lot[]> {
  return db
    .select(LOT_COLUMNS)
    .from(creditLots)
    .where(and(eq(creditLots.accountId, accountId), gt(creditLots.remainingMicroUsd, 0n)));
}

/**
 * Brings the account's lots up to date with its promotional total. Call inside a
 * transaction that holds the account row lock (so no settle moves the total meanwhile).
 */
export async function materializeLots(tx: Queryable, accountId: string, promoMicroUsd: bigint): Promise<Lot[]> {
  const before = await openLots(tx, accountId);
  const after = allocateLots(before, promoMicroUsd);
  const was = new Map(before.map((l) => [l.id, l.remainingMicroUsd]));
  for (const l of after) {
    if (was.get(l.id) !== l.remainingMicroUsd) {
      await tx.update(creditLots).set({ remainingMicroUsd: l.remainingMicroUsd }).where(eq(creditLots.id, l.id));
    }
  }
  return after.filter((l) => l.remainingMicroUsd > 0n);
}

/** Opens the lot of a promotional grant posted in `tx` (after materializeLots, same lock). */
export async function openLot(tx: Queryable, input: { accountId: string; reference: string; amountMicroUsd: bigint; expiresAt: Date | null }) {
  await tx.insert(creditLots).values({
    accountId: input.accountId,
    reference: input.reference,
    amountMicroUsd: input.amountMicroUsd,
    remainingMicroUsd: input.amountMicroUsd,
    expiresAt: input.expiresAt,
  });
}

export type CreditParts = {
  balanceMicroUsd: bigint;
  reservedMicroUsd: bigint;
  availableMicroUsd: bigint;
  promotionalMicroUsd: bigint;
  paidMicroUsd: bigint;
  /** The promotional credit that expires first, if any. */
  nextExpiry: { at: Date; amountMicroUsd: bigint } | null;
};

/** The balance in its two parts, for /v1/credits, the dashboard and the CLI. */
export async function readCreditParts(db: Queryable, accountId: string): Promise<CreditParts> {
  const [acct] = await db
    .select({ balance: billingAccounts.balanceMicroUsd, reserved: billingAccounts.reservedMicroUsd, promo: billingAccounts.promoMicroUsd })
    .from(billingAccounts)
    .where(eq(billingAccounts.id, accountId));
  if (!acct) throw new AccountNotFoundError(accountId);
  let nextExpiry: CreditParts["nextExpiry"] = null;
  if (acct.promo > 0n) {
    // Read without the lock: a settle committing in between makes the total lower than the
    // lots (taken as spent), an expiry committing in between the lots lower than the total
    // read before it (not strict: nothing more was spent).
    const lots = allocateLots(await openLots(db, accountId), acct.promo, { strict: false }).filter((l) => l.remainingMicroUsd > 0n && l.expiresAt);
    const first = lots[0];
    if (first?.expiresAt) {
      const at = first.expiresAt.getTime();
      const amount = lots.filter((l) => l.expiresAt!.getTime() === at).reduce((s, l) => s + l.remainingMicroUsd, 0n);
      nextExpiry = { at: first.expiresAt, amountMicroUsd: amount };
    }
  }
  return {
    balanceMicroUsd: acct.balance,
    reservedMicroUsd: acct.reserved,
    availableMicroUsd: acct.balance - acct.reserved,
    promotionalMicroUsd: acct.promo,
    paidMicroUsd: acct.balance - acct.promo,
    nextExpiry,
  };
}

export type ExpiryResult = { accounts: number; expiredMicroUsd: bigint; entries: number };

/**
 * Takes back promotional credit past its expiry, one `expiry` ledger entry per lot (per
 * run), each in its account's transaction with the row locked. Credit held by requests in
 * flight is not taken (the balance never goes below what is reserved): those requests
 * spend it (promotional first) or the next run takes it. Safe from any number of
 * instances at once: everything is re-read under the lock.
 */
export async function expirePromotionalCredit(db: Queryable, opts: { now?: Date; limit?: number } = {}): Promise<ExpiryResult> {
  const now = opts.now ?? new Date();
  const due = await db
    .selectDistinct({ accountId: creditLots.accountId })
    .from(creditLots)
    .where(and(gt(creditLots.remainingMicroUsd, 0n), lte(creditLots.expiresAt, now)))
    .limit(opts.limit ?? 500);
  const out: ExpiryResult = { accounts: 0, expiredMicroUsd: 0n, entries: 0 };
  for (const { accountId } of due) {
    const r = await expireAccount(db, accountId, now);
    if (r.entries > 0) out.accounts++;
    out.expiredMicroUsd += r.expiredMicroUsd;
    out.entries += r.entries;
  }
  return out;
}

async function expireAccount(db: Queryable, accountId: string, now: Date): Promise<{ expiredMicroUsd: bigint; entries: number }> {
  return db.transaction(async (tx) => {
    const [acct] = await tx
      .select({ balance: billingAccounts.balanceMicroUsd, reserved: billingAccounts.reservedMicroUsd, promo: billingAccounts.promoMicroUsd })
      .from(billingAccounts)
      .where(eq(billingAccounts.id, accountId))
      .for("update");
    if (!acct) throw new AccountNotFoundError(accountId);
    const lots = await materializeLots(tx, accountId, acct.promo);
    let { balance, promo } = acct;
    let expired = 0n;
    let entries = 0;
    for (const lot of lots) {
      if (!lot.expiresAt || lot.expiresAt.getTime() > now.getTime()) continue;
      const room = balance - acct.reserved;
      const take = lot.remainingMicroUsd < room ? lot.remainingMicroUsd : room;
      if (take <= 0n) break;
      balance -= take;
      promo -= take;
      expired += take;
      entries++;
      await tx
        .update(creditLots)
        .set({ remainingMicroUsd: lot.remainingMicroUsd - take })
        .where(eq(creditLots.id, lot.id));
      await tx.insert(ledgerEntries).values({
        accountId,
        kind: "expiry",
        amountMicroUsd: -take,
        promoMicroUsd: -take,
        balanceAfterMicroUsd: balance,
        // Unique per lot and state: a lot partly held by requests in flight expires in steps.
        reference: `expiry:${lot.id}:${lot.remainingMicroUsd}`,
        description: "Promotional credit expired",
        metadata: { lot: lot.reference, expires_at: lot.expiresAt.toISOString(), remaining_before_micro_usd: lot.remainingMicroUsd.toString() },
      });
    }
    if (entries > 0) await tx.update(billingAccounts).set({ balanceMicroUsd: balance, promoMicroUsd: promo }).where(eq(billingAccounts.id, accountId));
    return { expiredMicroUsd: expired, entries };
  });
}

/** Σ of the ledger's promotional parts: equals the account's promotional total. */
export async function ledgerPromoSum(db: Queryable, accountId: string): Promise<bigint> {
  const [r] = await db
    .select({ s: sql<string>`coalesce(sum(${ledgerEntries.promoMicroUsd}), 0)::text` })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.accountId, accountId));
  return BigInt(r?.s ?? "0");
}

/** The lots as they stand now (spend order), for tests and operators. */
export async function readLots(db: Queryable, accountId: string): Promise<Lot[]> {
  const [acct] = await db.select({ promo: billingAccounts.promoMicroUsd }).from(billingAccounts).where(eq(billingAccounts.id, accountId));
  if (!acct) throw new AccountNotFoundError(accountId);
  const all = await db.select(LOT_COLUMNS).from(creditLots).where(eq(creditLots.accountId, accountId)).orderBy(asc(creditLots.id));
  const open = allocateLots(
    all.filter((l) => l.remainingMicroUsd > 0n),
    acct.promo,
  );
  const byId = new Map(open.map((l) => [l.id, l]));
  return all.map((l) => byId.get(l.id) ?? l).sort(spendOrder);
}
