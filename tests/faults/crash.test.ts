import http from "node:http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { sql } from "drizzle-orm";
import { rows } from "@/db/rows";
import { createTestDb, whichTestDb, type TestDb } from "@/tests/helpers/db";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { moneyState, settledMoneyState } from "@/tests/helpers/money-checks";
import { startServer, type RunningServer } from "@/tests/helpers/server";

// Issue 8, point 2d. The app process is killed with SIGKILL in the middle of a slow
// streamed completion: no settle, no release, no shutdown hook can run, so the request's
// reservation stays in the database holding credit. A new instance on the same database
// runs the reservation sweeper (instrumentation-node.ts); once the reservation's TTL has
// passed (RESERVATION_TTL_SECONDS, shortened here to 3 s) it is released: nothing held,
// nothing charged for the lost stream, the ledger still balances.

const onPostgres = (await whichTestDb()) === "postgres";
const TTL_SECONDS = 3;
let t: TestDb;
let first: RunningServer;
let second: RunningServer | undefined;
let account: Awaited<ReturnType<typeof makeAccountWithKey>>;
const env = () => ({ DATABASE_URL: t.url!, RESERVATION_TTL_SECONDS: String(TTL_SECONDS), LOCAL_SIM_CHUNK_DELAY_MS: "50" });

beforeAll(async () => {
  if (!onPostgres) return;
  t = await createTestDb();
  account = await makeAccountWithKey(t.db);
  first = await startServer(env());
});
afterAll(async () => {
  if (first?.process.exitCode === null) first.process.kill("SIGKILL");
  await second?.stop();
  await t?.drop();
});

/** Starts a long stream and resolves after `chunks` content chunks, leaving it open. */
function startLongStream(url: string, secret: string, chunks: number): Promise<{ requestId: string; received: number }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ model: "local/lorem-chat", messages: [{ role: "user", content: "A very long story." }], max_tokens: 4000, stream: true });
    const req = http.request(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    });
    req.on("response", (res) => {
      if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
      let seen = 0;
      res.on("data", (d: Buffer) => {
        seen += (d.toString().match(/"content"/g) ?? []).length;
        if (seen >= chunks) resolve({ requestId: String(res.headers["x-request-id"]), received: seen });
      });
      res.on("error", () => {});
    });
    req.on("error", () => {}); // the server dies under it: expected
    req.end(body);
  });
}

describe.skipIf(!onPostgres)("the app killed mid-request (SIGKILL)", () => {
  it("leaves a reservation that the next instance's sweeper releases after the TTL; the ledger balances", { timeout: 120_000 }, async () => {
    const { requestId, received } = await startLongStream(first.url, account.secret, 5);
    const held = await rows<{ request_id: string; amount: string }>(
      t.db,
      sql`select request_id, amount_micro_usd::text as amount from reservations where account_id = ${account.accountId}`,
    );
    expect(held.map((r) => r.request_id)).toEqual([requestId]);

    const exited = new Promise((r) => first.process.once("exit", r));
    first.process.kill("SIGKILL");
    await exited;
    // Killed, not stopped: the reservation is still there, holding credit.
    const orphaned = await moneyState(t.db, account.accountId);
    expect(orphaned.openReservations).toBe(1);
    expect(orphaned.reservedMicroUsd).toBe(BigInt(held[0].amount));

    second = await startServer(env());
    const start = Date.now();
    await vi.waitFor(async () => expect((await moneyState(t.db, account.accountId)).openReservations).toBe(0), {
      timeout: (TTL_SECONDS + 30) * 1000,
      interval: 250,
    });
    const after = await moneyState(t.db, account.accountId);
    console.log(
      `[crash] stream ${requestId} killed after ${received} chunks holding ${held[0].amount} µ$; ` +
        `released by the restarted instance's sweeper ${((Date.now() - start) / 1000).toFixed(1)} s after it started (TTL ${TTL_SECONDS} s)`,
    );
    expect(after.openReservations).toBe(0);
    expect(after.reservedMicroUsd).toBe(0n);
    expect(after.balanceMicroUsd).toBe(10_000_000n); // the lost stream is not charged
    expect(after.usageEntries.size).toBe(0);
    expect(after.auditOk).toBe(true);
    expect(second.output()).toMatch(/\[sweeper\] released 1 stale reservation/);

    // The new instance serves and charges normally.
    const res = await fetch(`${second.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${account.secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "local/echo-chat", messages: [{ role: "user", content: "still here?" }] }),
    });
    expect(res.status).toBe(200);
    const cost = BigInt(((await res.json()) as { usage: { cost_micro_usd: number } }).usage.cost_micro_usd);
    const final = await settledMoneyState(t.db, account.accountId); // its settle lands just after the answer
    expect(final.balanceMicroUsd).toBe(10_000_000n - cost);
    expect(final.auditOk).toBe(true);
  });
});
