import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { sql } from "drizzle-orm";
import { rows } from "@/db/rows";
import { createTestDb, whichTestDb, type TestDb } from "@/tests/helpers/db";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { moneyState, sampleBalance } from "@/tests/helpers/money-checks";
import { startServer, type RunningServer } from "@/tests/helpers/server";
import { startTcpProxy, type TcpProxy } from "@/tests/helpers/tcp-proxy";
import { pool, send, type Kind, type Outcome } from "@/tests/helpers/v1-load";

// Issue 8, point 2c. The real built app reaches the real PostgreSQL through a TCP proxy
// the test can cut (every connection reset, new ones refused: what a database restart or
// a network partition looks like to the app) and restore. Streams are in flight when the
// cut comes. While cut, every new /v1 request that needs a reservation must be a 503 in the
// OpenAI shape (never a 500) and no model work may start without one; a busy account's
// requests held in its instance's credit lease (reserved before the cut) may be served. After the
// restore the app serves again by itself. Streams that ended while the database was away
// already have their answer (settles commit after the response): their settle retries and
// commits once the database is back, within the reservation's lifetime. Afterwards nothing
// is held, the ledger balances, every request is charged at most once, and every success
// is charged exactly what it reported, including those that ended during the cut.

const onPostgres = (await whichTestDb()) === "postgres";
const TTL_SECONDS = 6;
let t: TestDb;
let proxy: TcpProxy;
let server: RunningServer;
let account: Awaited<ReturnType<typeof makeAccountWithKey>>;
/** An account with no traffic before the cut: no credit lease, so it must reserve per request. */
let quiet: Awaited<ReturnType<typeof makeAccountWithKey>>;

beforeAll(async () => {
  if (!onPostgres) return;
  t = await createTestDb();
  account = await makeAccountWithKey(t.db);
  quiet = await makeAccountWithKey(t.db);
  const target = new URL(t.url!);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  server = await startServer({
    DATABASE_URL: proxy.url(t.url!),
    RESERVATION_TTL_SECONDS: String(TTL_SECONDS),
    LOCAL_SIM_CHUNK_DELAY_MS: "25",
  });
});

afterAll(async () => {
  await server?.stop();
  await proxy?.close();
  await t?.drop();
});

const show = (o: unknown) => JSON.stringify(o, (_, v) => (typeof v === "bigint" ? v.toString() : v));

const openReservations = async () =>
  (await rows<{ n: number }>(t.db, sql`select count(*)::int as n from reservations where account_id = ${account.accountId}`))[0].n;

/** Whether `check` comes true within `timeoutMs` (vi.waitFor, every 200 ms); false is reported, not thrown, so the run's summary still prints. */
async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const came = async () => {
    if (!(await check())) throw new Error("not yet");
  };
  return vi.waitFor(came, { timeout: timeoutMs, interval: 200 }).then(
    () => true,
    () => false,
  );
}

describe.skipIf(!onPostgres)("PostgreSQL cut and restored under the real server", () => {
  it("503 while cut, nothing starts without a reservation, everything settled or released after, nothing charged twice", { timeout: 180_000 }, async () => {
    // Warm every route once (the first call of a route loads its code).
    const warmAll = await Promise.all((["chat", "stream", "image", "speech"] as Kind[]).map((k, j) => send(server.url, account.secret, k, j)));
    expect(warmAll.map((o) => o.status)).toEqual([200, 200, 200, 200]);
    const sampler = sampleBalance(t.db, account.accountId);

    // 1. Streams in flight when the cut comes: short ones (30 tokens at 25 ms, ~0.75 s) end
    //    while the database is away, so their settle must wait for it (retrying); long ones
    //    (160 tokens, ~4 s, within the 6 s TTL) end after the restore and settle at once.
    let streaming = 0;
    const before: Promise<Outcome[]> = pool(16, 16, (i) =>
      send(server.url, account.secret, "stream", 100 + i, { streamTokens: i % 2 ? 30 : 160, onHeaders: (s) => void (s === 200 && streaming++) }),
    );
    expect(await until(async () => streaming === 16, 20_000)).toBe(true);

    // 2. Cut. New requests meanwhile: all 503, OpenAI-shaped, for an account that has to
    //    reserve per request. The busy account's requests may instead be held in the credit
    //    lease its instance took before the cut (a reservation made then, lib/metering/
    //    credit-lease.ts): those are answered, and charged exactly once after the restore.
    await proxy.cut();
    const busyDuring: Outcome[] = await Promise.all((["chat", "image"] as Kind[]).map((k, j) => send(server.url, account.secret, k, 450 + j)));
    const during: Outcome[] = [];
    const waits: number[] = [];
    let i = 0;
    const cutAt = Date.now();
    for (let wave = 0; wave < 3 || Date.now() - cutAt < 2_000; wave++) {
      const wave = await Promise.all(
        (["chat", "stream", "image", "speech"] as Kind[]).map(async (k) => {
          const started = performance.now();
          const o = await send(server.url, quiet.secret, k, 500 + i++);
          waits.push(performance.now() - started);
          return o;
        }),
      );
      during.push(...wave);
    }
    await proxy.restore();
    const inFlight = await before;

    // 3. After the restore the app recovers by itself.
    const recovered = await until(async () => (await send(server.url, account.secret, "chat", 900)).status === 200, 20_000);
    expect(recovered).toBe(true);
    const after: Outcome[] = await pool(20, 10, (j) => send(server.url, account.secret, (["stream", "chat", "image", "speech"] as Kind[])[j % 4], 1000 + j));

    // 4. Every reservation is settled (or, had a settle given up, released by the sweeper).
    const swept = await until(async () => (await openReservations()) === 0, (TTL_SECONDS + 20) * 1000);
    const seen = await sampler.stop();
    const money = await moneyState(t.db, account.accountId);
    const quietMoney = await moneyState(t.db, quiet.accountId);

    const settledStreams = inFlight.filter((o) => o.costMicroUsd !== null && o.costMicroUsd > 0n).length;
    const failedSettles = inFlight.filter((o) => o.error).length;
    const statuses = (list: Outcome[]) => list.reduce<Record<string, number>>((m, o) => ((m[o.status] = (m[o.status] ?? 0) + 1), m), {});
    console.log(
      `[db-outage] streams in flight at the cut: ${JSON.stringify(statuses(inFlight))}, ${settledStreams} charged, ${failedSettles} ended with an error event; ` +
        `during the cut: ${JSON.stringify(statuses(during))} (busy account: ${JSON.stringify(statuses(busyDuring))}) (slowest answer ${Math.round(Math.max(...waits))} ms); after: ${JSON.stringify(statuses(after))}; ` +
        `balance 10000000 -> ${money.balanceMicroUsd}, ${money.usageEntries.size} charged requests, sweeper cleared all: ${swept}; ` +
        `${seen.samples} balance samples, lowest ${seen.minBalance}`,
    );

    // While cut: only 503s in the OpenAI shape, never a 500, and no stream ever started.
    expect(during.length).toBeGreaterThanOrEqual(12);
    // Bounded (generously): an outage is answered, not waited out.
    expect(Math.max(...waits)).toBeLessThan(10_000);
    for (const o of during) {
      expect(o.status, show(o)).toBe(503);
      expect(o.error).toMatchObject({ type: "server_error", code: "service_unavailable", param: null });
      expect(o.error!.message).not.toMatch(/ECONN|postgres|select|insert/i);
    }
    // Refused before any work: never charged, not even once the database is back.
    expect(quietMoney.usageEntries.size).toBe(0);
    expect(quietMoney).toMatchObject({ balanceMicroUsd: 10_000_000n, reservedMicroUsd: 0n, auditOk: true });
    for (const o of busyDuring) expect([200, 503], show(o)).toContain(o.status);
    // Requests caught by the cut end as a success, a 503, or a stream with an error event; never a 500.
    for (const o of [...inFlight, ...after]) expect([200, 503], show(o)).toContain(o.status);
    for (const o of after) expect(o.status).toBe(200);
    // Every stream in flight at the cut ended normally and is charged (checked below),
    // the short ones that ended during the cut included: their settles waited it out.
    expect(settledStreams).toBe(inFlight.length);
    expect(failedSettles).toBe(0);

    // Settled or released: nothing held, ledger = balance, never below zero.
    expect(swept).toBe(true);
    expect(money.reservedMicroUsd).toBe(0n);
    expect(money.auditOk).toBe(true);
    expect(money.ledgerSumMicroUsd).toBe(money.balanceMicroUsd);
    expect(seen.minBalance! >= 0n).toBe(true);
    // Nothing charged twice, and every reported cost charged exactly.
    for (const amounts of money.usageEntries.values()) expect(amounts).toHaveLength(1);
    for (const o of [...warmAll, ...inFlight, ...busyDuring, ...after]) {
      if (o.status === 200 && o.costMicroUsd !== null && !o.error) {
        // A reported cost is what was charged (0: nothing, no entry).
        expect(money.usageEntries.get(o.requestId!), o.kind).toEqual(o.costMicroUsd > 0n ? [-o.costMicroUsd] : undefined);
      }
    }
    expect(money.sumUsageEventsMicroUsd).toBe(-money.sumUsageEntriesMicroUsd);
    expect(money.balanceMicroUsd).toBe(10_000_000n + money.sumUsageEntriesMicroUsd);
  });
});
