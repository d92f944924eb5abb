// @module-tag pglite
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { count, eq } from "drizzle-orm";
import { ledgerEntries, usageEvents } from "@/db/schema";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { makeAccount } from "@/tests/helpers/accounts";
import { SIGNUP_CREDIT_MICRO_USD } from "@/lib/accounts";
import { auditAccount, grant, InsufficientCreditError, postEntry, readBalance, release, reserve, settle, sweepStaleReservations } from "./index";
import { newId } from "@/lib/ids";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb({ maxConnections: 40 });
});
afterAll(() => t?.drop());

const usage = { model: "local/echo", modality: "chat", status: "ok", httpStatus: 200, latencyMs: 5 };

describe(`ledger on ${process.env.TEST_DB ?? "postgres"}`, () => {
  it("gives a new account exactly $10.00 with one grant", async () => {
    const { accountId } = await makeAccount(t.db);
    expect(await readBalance(t.db, accountId)).toEqual({
      balanceMicroUsd: 10_000_000n,
      reservedMicroUsd: 0n,
      availableMicroUsd: 10_000_000n,
    });
    const entries = await t.db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, accountId));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ kind: "grant", amountMicroUsd: SIGNUP_CREDIT_MICRO_USD, reference: `signup-credit:${accountId}` });
  });

  it("posts a reference at most once", async () => {
    const { accountId } = await makeAccount(t.db);
    const first = await grant(t.db, { accountId, amountMicroUsd: 5_000_000n, reference: `test:${accountId}`, description: "x" });
    const again = await grant(t.db, { accountId, amountMicroUsd: 5_000_000n, reference: `test:${accountId}`, description: "x" });
    expect(first.applied).toBe(true);
    expect(again.applied).toBe(false);
    expect((await readBalance(t.db, accountId)).balanceMicroUsd).toBe(15_000_000n);
    expect((await auditAccount(t.db, accountId)).ok).toBe(true);
  });

  it("refuses a debit that would dip into reserved credit", async () => {
    const { accountId } = await makeAccount(t.db);
    await reserve(t.db, { accountId, requestId: newId("req"), amountMicroUsd: 9_000_000n });
    await expect(
      postEntry(t.db, { accountId, kind: "adjustment", amountMicroUsd: -2_000_000n, reference: newId("evt"), description: "x" }),
    ).rejects.toBeInstanceOf(InsufficientCreditError);
  });

  it("reserves, settles to the actual cost, and releases the rest", async () => {
    const { accountId } = await makeAccount(t.db);
    const requestId = newId("req");
    await reserve(t.db, { accountId, requestId, amountMicroUsd: 3_000_000n });
    expect(await readBalance(t.db, accountId)).toMatchObject({ reservedMicroUsd: 3_000_000n, availableMicroUsd: 7_000_000n });
    const s = await settle(t.db, { requestId, actualMicroUsd: 1_234_567n, usage });
    expect(s).toEqual({ settled: true, chargedMicroUsd: 1_234_567n, balanceAfterMicroUsd: 8_765_433n, autoTopUpDue: false });
    expect(await readBalance(t.db, accountId)).toEqual({ balanceMicroUsd: 8_765_433n, reservedMicroUsd: 0n, availableMicroUsd: 8_765_433n });
    // settling twice is a no-op
    expect((await settle(t.db, { requestId, actualMicroUsd: 1n })).settled).toBe(false);
    const [ev] = await t.db.select().from(usageEvents).where(eq(usageEvents.requestId, requestId));
    expect(ev.costMicroUsd).toBe(1_234_567n);
    expect((await auditAccount(t.db, accountId)).ok).toBe(true);
  });

  it("never charges more than was reserved", async () => {
    const { accountId } = await makeAccount(t.db);
    const requestId = newId("req");
    await reserve(t.db, { accountId, requestId, amountMicroUsd: 100n });
    expect((await settle(t.db, { requestId, actualMicroUsd: 500n })).chargedMicroUsd).toBe(100n);
  });

  it("release charges nothing and writes no usage ledger entry", async () => {
    const { accountId } = await makeAccount(t.db);
    const requestId = newId("req");
    await reserve(t.db, { accountId, requestId, amountMicroUsd: 100n });
    await release(t.db, { requestId });
    expect((await readBalance(t.db, accountId)).balanceMicroUsd).toBe(10_000_000n);
    const [{ n }] = await t.db.select({ n: count() }).from(ledgerEntries).where(eq(ledgerEntries.accountId, accountId));
    expect(n).toBe(1);
  });

  it("refuses a reservation beyond spendable credit with the figures", async () => {
    const { accountId } = await makeAccount(t.db);
    const err = await reserve(t.db, { accountId, requestId: newId("req"), amountMicroUsd: 10_000_001n }).catch((e) => e);
    expect(err).toBeInstanceOf(InsufficientCreditError);
    expect(err.availableMicroUsd).toBe(10_000_000n);
  });

  it("sweeps reservations whose process died", async () => {
    const { accountId } = await makeAccount(t.db);
    await reserve(t.db, { accountId, requestId: newId("req"), amountMicroUsd: 700n, ttlSeconds: 0 });
    await reserve(t.db, { accountId, requestId: newId("req"), amountMicroUsd: 300n, ttlSeconds: 3600 });
    await new Promise((r) => setTimeout(r, 20));
    expect(await sweepStaleReservations(t.db)).toBeGreaterThanOrEqual(1);
    expect((await readBalance(t.db, accountId)).reservedMicroUsd).toBe(300n);
  });

  it("keeps the ledger append-only", async () => {
    const { accountId } = await makeAccount(t.db);
    await expect(t.db.delete(ledgerEntries).where(eq(ledgerEntries.accountId, accountId))).rejects.toThrow();
  });

  it("holds balance = Σ ledger >= 0 under 200 concurrent reservations and settlements", async () => {
    const { accountId } = await makeAccount(t.db);
    // $10 covers 40 reservations of $0.25; 200 race for them.
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, async (_, i) => {
        const requestId = newId("req");
        await reserve(t.db, { accountId, requestId, amountMicroUsd: 250_000n });
        const b = await readBalance(t.db, accountId);
        expect(b.availableMicroUsd).toBeGreaterThanOrEqual(0n);
        await settle(t.db, { requestId, actualMicroUsd: BigInt(100_000 + i), usage });
      }),
    );
    const ok = results.filter((r) => r.status === "fulfilled").length;
    const refused = results.filter((r) => r.status === "rejected");
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(InsufficientCreditError);
    expect(ok).toBeGreaterThanOrEqual(40);
    const audit = await auditAccount(t.db, accountId);
    expect(audit).toMatchObject({ ok: true, reservedMicroUsd: 0n });
    expect(audit.balanceMicroUsd).toBeGreaterThanOrEqual(0n);
    const charged = await t.db.select({ n: count() }).from(usageEvents).where(eq(usageEvents.accountId, accountId));
    expect(charged[0].n).toBe(ok);
  });
});
