import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, asc, eq } from "drizzle-orm";
import { creditLots, ledgerEntries } from "@/db/schema";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { makeAccount } from "@/tests/helpers/accounts";
import { newId } from "@/lib/ids";
import {
  allocateLots,
  auditAccount,
  expirePromotionalCredit,
  grant,
  openLease,
  postEntry,
  readCreditParts,
  readLots,
  reinstateCredit,
  reserve,
  reverseCredit,
  settle,
  settleBatch,
  settleLeaseBatch,
  settleOwed,
  startReservationSweeper,
  type Lot,
} from "./index";

// Issue 20 item 2: credit with a kind. Runs on the real PostgreSQL (tests/helpers/db.ts).

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb({ maxConnections: 40 });
});
afterAll(() => t?.drop());

const DAY = 86_400_000;
const usage = { model: "local/echo", modality: "chat", status: "ok", httpStatus: 200, latencyMs: 5 };

async function spend(accountId: string, micro: bigint) {
  const requestId = newId("req");
  await reserve(t.db, { accountId, requestId, amountMicroUsd: micro });
  const s = await settle(t.db, { requestId, actualMicroUsd: micro, usage });
  expect(s.chargedMicroUsd).toBe(micro);
  return requestId;
}

async function topUp(accountId: string, micro: bigint) {
  const pi = `pi_${newId("evt")}`;
  await postEntry(t.db, { accountId, kind: "topup", amountMicroUsd: micro, reference: pi, description: "Top-up", metadata: { payment_intent: pi } });
  return pi;
}

async function expectBalanced(accountId: string) {
  const a = await auditAccount(t.db, accountId);
  expect(a).toMatchObject({ ok: true });
  expect(a.ledgerPromoMicroUsd).toBe(a.promoMicroUsd);
  return a;
}

async function parts(accountId: string) {
  const p = await readCreditParts(t.db, accountId);
  expect(p.promotionalMicroUsd + p.paidMicroUsd).toBe(p.balanceMicroUsd);
  return p;
}

const lot = (id: number, remaining: bigint, expiresInDays: number | null): Lot => ({
  id,
  reference: `l${id}`,
  amountMicroUsd: remaining,
  remainingMicroUsd: remaining,
  expiresAt: expiresInDays === null ? null : new Date(Date.UTC(2030, 0, 1) + expiresInDays * DAY),
  createdAt: new Date(0),
});

describe("allocateLots (spend order)", () => {
  it("takes what was spent soonest expiry first, never-expiring lots last", () => {
    const out = allocateLots([lot(1, 10n, 365), lot(2, 5n, null), lot(3, 4n, 30)], 12n);
    expect(out.map((l) => [l.id, l.remainingMicroUsd])).toEqual([
      [3, 0n],
      [1, 7n],
      [2, 5n],
    ]);
  });
  it("refuses a promotional total above what the lots hold, unless told not to be strict", () => {
    expect(() => allocateLots([lot(1, 1n, 1)], 2n)).toThrow(/credit lots hold 1/);
    expect(allocateLots([lot(1, 1n, 1)], 2n, { strict: false })[0].remainingMicroUsd).toBe(1n);
  });
});

describe(`credit kinds on ${process.env.TEST_DB ?? "postgres"}`, () => {
  it("the free credit is promotional with an expiry, a top-up is paid; the parts add up to the balance", async () => {
    const { accountId } = await makeAccount(t.db);
    await topUp(accountId, 5_000_000n);
    const entries = await t.db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, accountId)).orderBy(asc(ledgerEntries.id));
    expect(entries.map((e) => [e.kind, e.creditKind, e.promoMicroUsd])).toEqual([
      ["grant", "promotional", 10_000_000n],
      ["topup", "paid", 0n],
    ]);
    const [l] = await t.db.select().from(creditLots).where(eq(creditLots.accountId, accountId));
    const days = (l.expiresAt!.getTime() - l.createdAt.getTime()) / DAY;
    expect(Math.round(days)).toBe(365);
    const p = await parts(accountId);
    expect(p).toMatchObject({ balanceMicroUsd: 15_000_000n, promotionalMicroUsd: 10_000_000n, paidMicroUsd: 5_000_000n });
    expect(p.nextExpiry).toEqual({ at: l.expiresAt, amountMicroUsd: 10_000_000n });
    await expectBalanced(accountId);
  });

  it("spends promotional credit first, soonest expiry first, then paid; expiry is a ledger entry and the balance follows", async () => {
    const { accountId } = await makeAccount(t.db); // $10 promotional, expires in 365 days
    const now = Date.now();
    await grant(t.db, { accountId, amountMicroUsd: 2_000_000n, reference: newId("evt"), description: "soon", expiresAt: new Date(now + 10 * DAY) });
    await grant(t.db, { accountId, amountMicroUsd: 3_000_000n, reference: newId("evt"), description: "never", expiresAt: null });
    await topUp(accountId, 5_000_000n);
    expect(await parts(accountId)).toMatchObject({ promotionalMicroUsd: 15_000_000n, paidMicroUsd: 5_000_000n });

    const r1 = await spend(accountId, 3_000_000n);
    const [e1] = await t.db.select().from(ledgerEntries).where(eq(ledgerEntries.reference, r1));
    expect(e1).toMatchObject({ kind: "usage", amountMicroUsd: -3_000_000n, promoMicroUsd: -3_000_000n, creditKind: null });
    // The $2 expiring in 10 days went first, then $1 of the free credit; the never-expiring $3 is untouched.
    const lots = await readLots(t.db, accountId);
    expect(lots.map((l) => [l.amountMicroUsd, l.remainingMicroUsd])).toEqual([
      [2_000_000n, 0n],
      [10_000_000n, 9_000_000n],
      [3_000_000n, 3_000_000n],
    ]);
    expect((await parts(accountId)).paidMicroUsd).toBe(5_000_000n);
    await expectBalanced(accountId);

    // A year and more later the free credit's $9 left expires: one entry, balance follows; the rest stays.
    const x = await expirePromotionalCredit(t.db, { now: new Date(now + 400 * DAY) });
    expect(x.expiredMicroUsd).toBeGreaterThanOrEqual(9_000_000n); // other tests' accounts may expire too
    const exp = await t.db
      .select()
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.accountId, accountId), eq(ledgerEntries.kind, "expiry")));
    expect(exp.map((e) => [e.amountMicroUsd, e.promoMicroUsd, e.balanceAfterMicroUsd])).toEqual([[-9_000_000n, -9_000_000n, 8_000_000n]]);
    expect(await parts(accountId)).toMatchObject({ balanceMicroUsd: 8_000_000n, promotionalMicroUsd: 3_000_000n, paidMicroUsd: 5_000_000n, nextExpiry: null });
    // Running it again expires nothing more.
    await expirePromotionalCredit(t.db, { now: new Date(now + 400 * DAY) });
    expect((await parts(accountId)).balanceMicroUsd).toBe(8_000_000n);
    await expectBalanced(accountId);

    // Spending past the promotional credit takes the never-expiring $3, then paid credit.
    const r2 = await spend(accountId, 4_000_000n);
    const [e2] = await t.db.select().from(ledgerEntries).where(eq(ledgerEntries.reference, r2));
    expect(e2).toMatchObject({ amountMicroUsd: -4_000_000n, promoMicroUsd: -3_000_000n });
    expect(await parts(accountId)).toMatchObject({ balanceMicroUsd: 4_000_000n, promotionalMicroUsd: 0n, paidMicroUsd: 4_000_000n });
    await expectBalanced(accountId);
  });

  it("expiry never takes credit held by a request in flight: that request spends it, or the next run takes the rest", async () => {
    const { accountId } = await makeAccount(t.db);
    await t.db
      .update(creditLots)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(creditLots.accountId, accountId));
    const requestId = newId("req");
    await reserve(t.db, { accountId, requestId, amountMicroUsd: 4_000_000n });
    await expirePromotionalCredit(t.db);
    expect(await parts(accountId)).toMatchObject({ balanceMicroUsd: 4_000_000n, reservedMicroUsd: 4_000_000n, promotionalMicroUsd: 4_000_000n });
    await expectBalanced(accountId);
    await settle(t.db, { requestId, actualMicroUsd: 1_500_000n, usage });
    await expirePromotionalCredit(t.db);
    expect(await parts(accountId)).toMatchObject({ balanceMicroUsd: 0n, promotionalMicroUsd: 0n, paidMicroUsd: 0n });
    const kinds = await t.db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, accountId)).orderBy(asc(ledgerEntries.id));
    expect(kinds.map((e) => [e.kind, e.amountMicroUsd])).toEqual([
      ["grant", 10_000_000n],
      ["expiry", -6_000_000n],
      ["usage", -1_500_000n],
      ["expiry", -2_500_000n],
    ]);
    await expectBalanced(accountId);
  });

  it("the running sweeper expires promotional credit past its date", async () => {
    const { accountId } = await makeAccount(t.db);
    await t.db
      .update(creditLots)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(creditLots.accountId, accountId));
    const logs: string[] = [];
    const sweeper = startReservationSweeper(async () => t.db, { intervalMs: 3_600_000, log: (m) => logs.push(m) });
    try {
      await sweeper.sweepNow();
    } finally {
      sweeper.stop();
    }
    expect(sweeper.stats().expiredEntries).toBeGreaterThanOrEqual(1);
    expect(logs.some((l) => l.startsWith("[sweeper] expired promotional credit"))).toBe(true);
    expect(await parts(accountId)).toMatchObject({ balanceMicroUsd: 0n, promotionalMicroUsd: 0n });
    await expectBalanced(accountId);
  });

  it("a refund of a top-up after the promotional credit was spent takes paid credit only", async () => {
    const { accountId } = await makeAccount(t.db);
    const pi = await topUp(accountId, 20_000_000n);
    await spend(accountId, 12_000_000n); // $10 promotional + $2 paid
    expect(await parts(accountId)).toMatchObject({ promotionalMicroUsd: 0n, paidMicroUsd: 18_000_000n });
    const r = await reverseCredit(t.db, {
      accountId,
      kind: "refund",
      paymentIntentId: pi,
      creditedMicroUsd: 20_000_000n,
      amount: { cumulativeMicroUsd: 20_000_000n },
      reference: `refund:${pi}`,
      description: "Refund",
    });
    expect(r).toMatchObject({ applied: true, debitedMicroUsd: 18_000_000n, owedAddedMicroUsd: 2_000_000n });
    expect(await parts(accountId)).toMatchObject({ balanceMicroUsd: 0n, promotionalMicroUsd: 0n, paidMicroUsd: 0n });
    await expectBalanced(accountId);
  });

  it("a refund while promotional credit is left leaves the promotional credit alone", async () => {
    const { accountId } = await makeAccount(t.db);
    const pi = await topUp(accountId, 20_000_000n);
    await spend(accountId, 4_000_000n); // promotional only
    const r = await reverseCredit(t.db, {
      accountId,
      kind: "refund",
      paymentIntentId: pi,
      creditedMicroUsd: 20_000_000n,
      amount: { cumulativeMicroUsd: 20_000_000n },
      reference: `refund:${pi}`,
      description: "Refund",
    });
    expect(r).toMatchObject({ debitedMicroUsd: 20_000_000n, owedAddedMicroUsd: 0n });
    expect(await parts(accountId)).toMatchObject({ balanceMicroUsd: 6_000_000n, promotionalMicroUsd: 6_000_000n, paidMicroUsd: 0n });
    await expectBalanced(accountId);
  });

  it("a dispute that finds only promotional credit takes none of it: the whole amount is owed (a ledger entry), the account frozen until a top-up pays it", async () => {
    const { accountId } = await makeAccount(t.db);
    const pi = await topUp(accountId, 5_000_000n);
    await spend(accountId, 15_000_000n); // all of it
    await grant(t.db, { accountId, amountMicroUsd: 3_000_000n, reference: newId("evt"), description: "goodwill" });
    expect(await parts(accountId)).toMatchObject({ balanceMicroUsd: 3_000_000n, promotionalMicroUsd: 3_000_000n, paidMicroUsd: 0n });
    const d = await reverseCredit(t.db, {
      accountId,
      kind: "dispute",
      paymentIntentId: pi,
      creditedMicroUsd: 5_000_000n,
      amount: { exactMicroUsd: 5_000_000n },
      reference: `dispute:${pi}`,
      description: "Dispute",
    });
    expect(d).toMatchObject({ applied: true, debitedMicroUsd: 0n, owedAddedMicroUsd: 5_000_000n, owedMicroUsd: 5_000_000n });
    const [entry] = await t.db
      .select()
      .from(ledgerEntries)
      .where(eq(ledgerEntries.reference, `dispute:${pi}`));
    expect(entry).toMatchObject({ kind: "dispute", amountMicroUsd: 0n, promoMicroUsd: 0n });
    expect(entry.metadata).toMatchObject({ reversed_micro_usd: "5000000", owed_added_micro_usd: "5000000" });
    expect(await parts(accountId)).toMatchObject({ balanceMicroUsd: 3_000_000n, promotionalMicroUsd: 3_000_000n });
    await expectBalanced(accountId);

    // The next top-up pays the debt from paid credit; the promotional credit is still there.
    const pi2 = await topUp(accountId, 8_000_000n);
    expect(await settleOwed(t.db, { accountId, reference: `recover:${pi2}` })).toEqual({ paidMicroUsd: 5_000_000n, owedMicroUsd: 0n });
    expect(await parts(accountId)).toMatchObject({ balanceMicroUsd: 6_000_000n, promotionalMicroUsd: 3_000_000n, paidMicroUsd: 3_000_000n });
    // Won after all: given back as paid credit.
    const w = await reinstateCredit(t.db, { reversalReference: `dispute:${pi}`, reference: `dispute_won:${pi}`, describe: () => "won" });
    expect(w).toMatchObject({ applied: true, creditedMicroUsd: 5_000_000n });
    const [won] = await t.db
      .select()
      .from(ledgerEntries)
      .where(eq(ledgerEntries.reference, `dispute_won:${pi}`));
    expect(won).toMatchObject({ creditKind: "paid", promoMicroUsd: 0n });
    expect(await parts(accountId)).toMatchObject({ promotionalMicroUsd: 3_000_000n, paidMicroUsd: 8_000_000n });
    await expectBalanced(accountId);
  });

  it("a negative adjustment spends like usage: promotional credit first, then paid", async () => {
    const { accountId } = await makeAccount(t.db);
    await topUp(accountId, 5_000_000n);
    await postEntry(t.db, { accountId, kind: "adjustment", amountMicroUsd: -3_000_000n, reference: newId("evt"), description: "fix" });
    expect(await parts(accountId)).toMatchObject({ balanceMicroUsd: 12_000_000n, promotionalMicroUsd: 7_000_000n, paidMicroUsd: 5_000_000n });
    await postEntry(t.db, { accountId, kind: "adjustment", amountMicroUsd: -9_000_000n, reference: newId("evt"), description: "fix" });
    expect(await parts(accountId)).toMatchObject({ balanceMicroUsd: 3_000_000n, promotionalMicroUsd: 0n, paidMicroUsd: 3_000_000n });
    await expectBalanced(accountId);
  });

  it("a settle batch splits each entry exactly: promotional until it runs out, in queue order", async () => {
    const { accountId } = await makeAccount(t.db);
    await topUp(accountId, 10_000_000n);
    const ids = Array.from({ length: 6 }, () => newId("req"));
    for (const requestId of ids) await reserve(t.db, { accountId, requestId, amountMicroUsd: 3_000_000n });
    await settleBatch(
      t.db,
      ids.map((requestId) => ({ requestId, actualMicroUsd: 3_000_000n, usage })),
    );
    const promoParts = [];
    for (const id of ids) {
      const [e] = await t.db.select().from(ledgerEntries).where(eq(ledgerEntries.reference, id));
      promoParts.push(e.promoMicroUsd);
    }
    // $10 promotional: three whole entries and $1 of the fourth, which straddles the two kinds.
    expect(promoParts).toEqual([-3_000_000n, -3_000_000n, -3_000_000n, -1_000_000n, 0n, 0n]);
    expect(await parts(accountId)).toMatchObject({ balanceMicroUsd: 2_000_000n, promotionalMicroUsd: 0n, paidMicroUsd: 2_000_000n });
    await expectBalanced(accountId);
  });

  it("lease settles spend promotional credit first too", async () => {
    const { accountId } = await makeAccount(t.db);
    await topUp(accountId, 10_000_000n);
    const leaseId = `lease_${newId("res")}`;
    expect(await openLease(t.db, { accountId, leaseId, amountMicroUsd: 15_000_000n, minAvailableMicroUsd: 0n })).toBe(true);
    const reqs = Array.from({ length: 3 }, () => ({ requestId: newId("req"), actualMicroUsd: 4_000_000n, capMicroUsd: 5_000_000n, usage }));
    await settleLeaseBatch(t.db, leaseId, reqs);
    const promo = [];
    for (const r of reqs) {
      const [e] = await t.db.select().from(ledgerEntries).where(eq(ledgerEntries.reference, r.requestId));
      promo.push(e.promoMicroUsd);
    }
    expect(promo).toEqual([-4_000_000n, -4_000_000n, -2_000_000n]);
    expect(await parts(accountId)).toMatchObject({ balanceMicroUsd: 8_000_000n, promotionalMicroUsd: 0n, paidMicroUsd: 8_000_000n });
    await expectBalanced(accountId);
  });

  it("keeps both parts exact under concurrent settles, grants, top-ups and expiry on one account", async () => {
    const { accountId } = await makeAccount(t.db);
    await topUp(accountId, 10_000_000n);
    await t.db
      .update(creditLots)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(creditLots.accountId, accountId));
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 120; i++) work.push(spend(accountId, 37_000n).catch(() => undefined));
    for (let i = 0; i < 10; i++) work.push(grant(t.db, { accountId, amountMicroUsd: 100_000n, reference: newId("evt"), description: "g", expiresAt: null }));
    for (let i = 0; i < 10; i++) work.push(topUp(accountId, 50_000n));
    for (let i = 0; i < 5; i++) work.push(expirePromotionalCredit(t.db));
    await Promise.all(work);
    const a = await expectBalanced(accountId);
    const usageSum = await t.db
      .select()
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.accountId, accountId), eq(ledgerEntries.kind, "usage")));
    const expirySum = await t.db
      .select()
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.accountId, accountId), eq(ledgerEntries.kind, "expiry")));
    const spent = usageSum.reduce((s, e) => s - e.amountMicroUsd, 0n);
    const expired = expirySum.reduce((s, e) => s - e.amountMicroUsd, 0n);
    expect(a.balanceMicroUsd).toBe(10_000_000n + 10_000_000n + 1_000_000n + 500_000n - spent - expired);
    // What is left of the promotional part is the never-expiring grants less what usage took of them.
    const lots = await readLots(t.db, accountId);
    expect(lots.reduce((s, l) => s + l.remainingMicroUsd, 0n)).toBe(a.promoMicroUsd);
    expect(lots.find((l) => l.expiresAt !== null)?.remainingMicroUsd ?? 0n).toBe(0n);
  });
});
