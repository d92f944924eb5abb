// @module-tag pglite
import { beforeAll, describe, expect, it, vi } from "vitest";
import { eq, like, sql } from "drizzle-orm";
import { ledgerEntries, reservations, usageEvents } from "@/db/schema";
import type { Db } from "@/db/client";
import { auditAccount, postEntry, readBalance, sweepStaleReservations } from "@/lib/ledger";
import { openLease, settleLeaseBatch } from "@/lib/ledger/leases";
import { getCatalog } from "@/lib/catalog";
import { findActiveKey } from "@/lib/api-keys";
import { newId } from "@/lib/ids";
import { LEASE, leasesIdle, releaseAllLeases } from "@/lib/metering/credit-lease";
import { openMeter } from "@/lib/metering/meter";
import { completionCost, sdkClient } from "@/tests/helpers/app-fetch";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { integrationApp } from "@/tests/helpers/fixture";

// Credit leases (lib/metering/credit-lease.ts, lib/ledger/leases.ts): a hot, well-funded
// account's requests hold their worst case inside one lease reservation instead of one
// reservation each. The money rules must not notice: exact charges, one ledger entry and
// one usage event per request, never below zero, reserved = Σ reservations, no 402 caused
// by our own lease, and a crashed instance's lease released by the sweeper.

process.env.LOCAL_SIM_CHUNK_DELAY_MS = "0";

const app = integrationApp({ maxConnections: 20 });
let db: Db;
beforeAll(() => {
  db = app.db;
});

const leaseRows = (accountId: string) =>
  db
    .select()
    .from(reservations)
    .where(sql`${reservations.accountId} = ${accountId} and ${reservations.requestId} like 'lease\\_%'`);

describe(`credit leases on ${process.env.TEST_DB ?? "postgres"}`, () => {
  it("300 concurrent requests of a hot account run on a lease: every cost charged exactly once, then the lease is given back", async () => {
    const a = await makeAccountWithKey(app.db); // $10 signup credit: rich enough for a lease
    const client = sdkClient(a.secret);
    const messages = [{ role: "user" as const, content: "lease me" }];
    const costs = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => ({
        cost: BigInt(await completionCost(client, { model: "local/lorem-chat", messages, max_tokens: 50, stream: i % 4 === 0 })),
      })),
    );
    // The lease is still open (it is released after LEASE.idleMs without use), and the
    // requests had no reservation rows of their own.
    const open = await db.select().from(reservations).where(eq(reservations.accountId, a.accountId));
    expect(open.length).toBeGreaterThanOrEqual(1);
    expect(open.every((r) => r.requestId.startsWith("lease_"))).toBe(true);

    const charged = costs.reduce((s, c) => s + c.cost, 0n);
    const events = await db.select().from(usageEvents).where(eq(usageEvents.accountId, a.accountId));
    expect(events).toHaveLength(300);
    expect(events.reduce((s, e) => s + e.costMicroUsd, 0n)).toBe(charged);
    const entries = await db
      .select()
      .from(ledgerEntries)
      .where(sql`${ledgerEntries.accountId} = ${a.accountId} and ${ledgerEntries.kind} = 'usage'`);
    expect(entries).toHaveLength(300);
    expect(entries.reduce((s, e) => s + e.amountMicroUsd, 0n)).toBe(-charged);
    expect(new Set(entries.map((e) => e.reference)).size).toBe(300);
    expect((await auditAccount(app.db, a.accountId)).ok).toBe(true);

    // Idle: the lease goes back by itself.
    await vi.waitFor(
      async () => {
        await leasesIdle();
        expect(await leaseRows(a.accountId)).toHaveLength(0);
      },
      { timeout: LEASE.idleMs + 5_000, interval: 50 },
    );
    const audit = await auditAccount(app.db, a.accountId);
    expect(audit).toMatchObject({ ok: true, reservedMicroUsd: 0n, balanceMicroUsd: 10_000_000n - charged });
  });

  it("a request the lease cannot take, refused per request because our own lease holds the credit, gets it back instead of a 402", async () => {
    const a = await makeAccountWithKey(app.db);
    const key = (await findActiveKey(db, a.secret))!;
    const model = getCatalog().models.find((m) => m.id === "local/lorem-chat")!;
    const common = { db, key, model, billingUrl: "http://app.test/dashboard/billing" };
    // Hot: LEASE.hotRequests small requests at once; they run on a lease.
    const small = await Promise.all(
      Array.from({ length: LEASE.hotRequests + 4 }, () => openMeter({ ...common, requestId: newId("req"), worstCase: { inputTokens: 10, outputTokens: 10 } })),
    );
    const [lease] = await leaseRows(a.accountId);
    expect(lease).toBeDefined();
    for (const m of small) await m.settle({ units: { inputTokens: 10, outputTokens: 5 } });
    await Promise.all(small.map((m) => m.committed));

    // Leave only 500 µ$ outside the lease.
    const bal = await readBalance(db, a.accountId);
    await postEntry(db, {
      accountId: a.accountId,
      kind: "adjustment",
      amountMicroUsd: -(bal.availableMicroUsd - 500n),
      reference: newId("evt"),
      description: "test drain",
    });
    expect((await readBalance(db, a.accountId)).availableMicroUsd).toBe(500n);

    // Too big for the lease (over 1/8 of it) and more than the 500 µ$ outside it, but less
    // than the account's spendable credit counting the lease's unused part: served.
    const bigWorst = { inputTokens: 10, outputTokens: 40_000 };
    const meter = await openMeter({ ...common, requestId: newId("req"), worstCase: bigWorst });
    expect(meter.reservedMicroUsd).toBeGreaterThan(500n);
    await meter.settle({ units: { inputTokens: 10, outputTokens: 100 } });
    await meter.committed;

    // And when the credit really is not there, a 402 (nothing held, nothing charged).
    await expect(openMeter({ ...common, requestId: newId("req"), worstCase: { inputTokens: 10, outputTokens: 4_000_000 } })).rejects.toMatchObject({
      code: "insufficient_quota",
    });
    await releaseAllLeases();
    expect(await auditAccount(app.db, a.accountId)).toMatchObject({ ok: true, reservedMicroUsd: 0n });
  });

  it("a lease settle retried after its commit already landed charges nothing twice", async () => {
    const a = await makeAccountWithKey(app.db);
    const leaseId = `lease_${newId("req").slice(4)}`;
    expect(await openLease(db, { accountId: a.accountId, leaseId, amountMicroUsd: 100_000n, minAvailableMicroUsd: 400_000n })).toBe(true);
    const input = {
      requestId: newId("req"),
      actualMicroUsd: 1_234n,
      capMicroUsd: 5_000n,
      usage: { keyId: a.keyId, model: "m", modality: "chat" as const, status: "ok", httpStatus: 200, latencyMs: 1 },
    };
    const [first] = await settleLeaseBatch(db, leaseId, [input]);
    const [again] = await settleLeaseBatch(db, leaseId, [input]);
    expect(first).toMatchObject({ settled: true, chargedMicroUsd: 1_234n });
    expect(again.settled).toBe(false);
    const [row] = await leaseRows(a.accountId);
    expect(row.amountMicroUsd).toBe(100_000n - 1_234n);
    expect(await auditAccount(app.db, a.accountId)).toMatchObject({ ok: true, balanceMicroUsd: 10_000_000n - 1_234n, reservedMicroUsd: 100_000n - 1_234n });
    // A charge above the request's worst case is capped at it, like a reservation caps it.
    const [capped] = await settleLeaseBatch(db, leaseId, [{ ...input, requestId: newId("req"), actualMicroUsd: 9_999n }]);
    expect(capped.chargedMicroUsd).toBe(5_000n);
  });

  it("a crashed instance's lease is released by the sweeper: nothing charged, nothing held", async () => {
    const a = await makeAccountWithKey(app.db);
    const leaseId = `lease_${newId("req").slice(4)}`;
    expect(await openLease(db, { accountId: a.accountId, leaseId, amountMicroUsd: 2_000_000n, minAvailableMicroUsd: 8_000_000n })).toBe(true);
    // $8 spendable left: a second $2 lease asking for 4.5× its size in spendable credit is refused.
    expect(await openLease(db, { accountId: a.accountId, leaseId: `${leaseId}x`, amountMicroUsd: 2_000_000n, minAvailableMicroUsd: 9_000_000n })).toBe(false);
    expect((await readBalance(db, a.accountId)).reservedMicroUsd).toBe(2_000_000n);
    await db
      .update(reservations)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(like(reservations.requestId, leaseId));
    expect(await sweepStaleReservations(db)).toBeGreaterThanOrEqual(1);
    expect(await auditAccount(app.db, a.accountId)).toMatchObject({ ok: true, reservedMicroUsd: 0n, balanceMicroUsd: 10_000_000n });
    expect(
      await db
        .select()
        .from(ledgerEntries)
        .where(sql`${ledgerEntries.accountId} = ${a.accountId} and ${ledgerEntries.kind} = 'usage'`),
    ).toHaveLength(0);
  });
});
