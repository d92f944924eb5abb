// @module-tag pglite
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asc, eq } from "drizzle-orm";
import { ledgerEntries, usageEvents } from "@/db/schema";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { makeAccount } from "@/tests/helpers/accounts";
import { newId } from "@/lib/ids";
import { sql } from "drizzle-orm";
import { rows } from "@/db/rows";
import { auditAccount, readBalance, reserve, settle, settleBatch, settleQueued } from "./index";
import { openLease } from "./leases";
import { LINGER_MS } from "./settle-queue";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb({ maxConnections: 20 });
});
afterAll(() => t?.drop());

const usage = { model: "local/echo", modality: "chat", status: "ok", httpStatus: 200, latencyMs: 5, inputTokens: 3, outputTokens: 4 };

async function reserved(accountId: string, amountMicroUsd: bigint) {
  const requestId = newId("req");
  await reserve(t.db, { accountId, requestId, amountMicroUsd });
  return requestId;
}

describe(`settleBatch / settleQueued on ${process.env.TEST_DB ?? "postgres"}`, () => {
  it("settles many requests of several accounts in one statement, exactly like settle() one by one", async () => {
    const a = await makeAccount(t.db);
    const b = await makeAccount(t.db);
    const ra = [await reserved(a.accountId, 1_000n), await reserved(a.accountId, 2_000n), await reserved(a.accountId, 500n)];
    const rb = await reserved(b.accountId, 700n);
    const results = await settleBatch(t.db, [
      { requestId: ra[0], actualMicroUsd: 400n, usage },
      { requestId: rb, actualMicroUsd: 0n, usage: { ...usage, status: "error", httpStatus: 500 } },
      { requestId: ra[1], actualMicroUsd: 9_999n, usage }, // capped at its reservation
      { requestId: ra[2], actualMicroUsd: 300n }, // no usage event asked for
      { requestId: ra[0], actualMicroUsd: 400n, usage }, // a duplicate in the batch: once only
      { requestId: "req_unknown", actualMicroUsd: 100n, usage }, // nothing held: no-op
    ]);
    expect(results.map((r) => [r.settled, r.chargedMicroUsd])).toEqual([
      [true, 400n],
      [true, 0n],
      [true, 2_000n],
      [true, 300n],
      [true, 400n],
      [false, 0n],
    ]);
    expect((await readBalance(t.db, a.accountId)).balanceMicroUsd).toBe(10_000_000n - 2_700n);
    expect((await readBalance(t.db, a.accountId)).reservedMicroUsd).toBe(0n);
    expect((await readBalance(t.db, b.accountId)).balanceMicroUsd).toBe(10_000_000n);
    // Running balances in batch order, ending at the cached balance.
    const entries = await t.db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, a.accountId)).orderBy(asc(ledgerEntries.id));
    expect(entries.filter((e) => e.kind === "usage").map((e) => [e.reference, e.amountMicroUsd, e.balanceAfterMicroUsd])).toEqual([
      [ra[0], -400n, 10_000_000n - 400n],
      [ra[1], -2_000n, 10_000_000n - 2_400n],
      [ra[2], -300n, 10_000_000n - 2_700n],
    ]);
    const events = await t.db.select().from(usageEvents).where(eq(usageEvents.accountId, a.accountId));
    expect(events.map((e) => [e.requestId, e.costMicroUsd]).sort()).toEqual(
      [
        [ra[0], 400n],
        [ra[1], 2_000n],
      ].sort(),
    );
    expect((await t.db.select().from(usageEvents).where(eq(usageEvents.accountId, b.accountId)))[0]).toMatchObject({ costMicroUsd: 0n, httpStatus: 500 });
    // Settled already: a later settle of any kind is a no-op.
    expect((await settle(t.db, { requestId: ra[1], actualMicroUsd: 1n })).settled).toBe(false);
    expect((await auditAccount(t.db, a.accountId)).ok).toBe(true);
    expect((await auditAccount(t.db, b.accountId)).ok).toBe(true);
  });

  it("keeps balance = Σ ledger under 300 concurrent queued settles on one account", async () => {
    const { accountId } = await makeAccount(t.db);
    const ids = await Promise.all(Array.from({ length: 300 }, () => reserved(accountId, 10_000n)));
    const results = await Promise.all(ids.map((requestId, i) => settleQueued(t.db, accountId, { requestId, actualMicroUsd: BigInt(i), usage })));
    expect(results.every((r) => r.settled)).toBe(true);
    const total = results.reduce((s, r) => s + r.chargedMicroUsd, 0n);
    expect(total).toBe(BigInt((299 * 300) / 2));
    expect(await readBalance(t.db, accountId)).toMatchObject({ balanceMicroUsd: 10_000_000n - total, reservedMicroUsd: 0n });
    expect((await auditAccount(t.db, accountId)).ok).toBe(true);
    expect(await t.db.$count(usageEvents, eq(usageEvents.accountId, accountId))).toBe(300);
  });

  it("says when the account has fallen below its auto top-up threshold", async () => {
    const { accountId } = await makeAccount(t.db);
    const { autoTopUpSettings } = await import("@/db/schema");
    await t.db.insert(autoTopUpSettings).values({ accountId, enabled: true, thresholdMicroUsd: 9_999_000n, amountMicroUsd: 5_000_000n });
    const r1 = await settleQueued(t.db, accountId, { requestId: await reserved(accountId, 500n), actualMicroUsd: 500n });
    expect(r1.autoTopUpDue).toBe(false); // 9,999,500 is above the threshold
    const r2 = await settleQueued(t.db, accountId, { requestId: await reserved(accountId, 1_000n), actualMicroUsd: 1_000n });
    expect(r2.autoTopUpDue).toBe(true);
    const other = await makeAccount(t.db);
    const r3 = await settleQueued(t.db, other.accountId, { requestId: await reserved(other.accountId, 9_000_000n), actualMicroUsd: 9_000_000n });
    expect(r3.autoTopUpDue).toBe(false); // no auto top-up set up
  });

  it(`a lease settle waits ${LINGER_MS} ms for company before its statement starts: answers of one account arriving meanwhile share it`, async () => {
    const { accountId } = await makeAccount(t.db);
    const leaseId = `lease_${newId("req").slice(4)}`;
    expect(await openLease(t.db, { accountId, leaseId, amountMicroUsd: 1_000_000n, minAvailableMicroUsd: 0n })).toBe(true);
    // Three answers in a row. Without the linger the first would start its statement at
    // once and the other two would follow in a second one. (Enqueued in one tick, so the
    // test does not depend on how promptly timers fire on a loaded machine.)
    const ids = [newId("req"), newId("req"), newId("req")];
    const results = await Promise.all(
      ids.map((requestId) => settleQueued(t.db, accountId, { requestId, actualMicroUsd: 100n, capMicroUsd: 1_000n, leaseId, usage })),
    );
    expect(results.map((r) => [r.settled, r.chargedMicroUsd])).toEqual(ids.map(() => [true, 100n]));
    // One statement: one transaction, so one transaction timestamp (now()) on all three entries.
    const at = await rows<{ reference: string; at: string }>(
      t.db,
      sql`select reference, created_at::text as at from ledger_entries where account_id = ${accountId} and kind = 'usage' order by id`,
    );
    expect(at.map((r) => r.reference)).toEqual(ids);
    expect(new Set(at.map((r) => r.at)).size).toBe(1);
    expect(await readBalance(t.db, accountId)).toMatchObject({ balanceMicroUsd: 10_000_000n - 300n, reservedMicroUsd: 1_000_000n - 300n });
    expect((await auditAccount(t.db, accountId)).ok).toBe(true);
  });
});
