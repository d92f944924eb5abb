import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "@/lib/api-keys";
import { postEntry } from "@/lib/ledger";
import { createTestDb, whichTestDb, type TestDb } from "@/tests/helpers/db";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { sampleBalance, settledMoneyState } from "@/tests/helpers/money-checks";
import { startServer, type RunningServer } from "@/tests/helpers/server";
import { pool, send, shuffled, type Kind, type Outcome } from "@/tests/helpers/v1-load";

// Issue 8, point 1. 880 requests (1,000 before the account-wide ceiling of 900 a minute), 120 in flight at once, a shuffled mix of plain chat,
// streamed chat, images and speech over five keys of one account, against the real built
// app on the real PostgreSQL. The account's $1.50 covers only a fraction of the worst
// cases (~$5.5 asked for in all). While it runs, a loop polls the account row: the
// balance (and spendable credit) must never be seen below zero. Afterwards every request
// is either a 402 that left no trace, or charged exactly once: one usage ledger entry and
// one usage event under its x-request-id, both equal to the cost the response reported.

// Under the account-wide ceiling of the Paid tier (900 a minute for all keys of an account,
// lib/ratelimit/tiers.ts): the ceiling is tested on its own (tests/integration/account-ceiling.test.ts);
// here every refusal must be a 402 of the money path.
const TOTAL = 880;
const CONCURRENCY = 120;
const START_BALANCE = 1_500_000n; // $1.50
const SEED = Number(process.env.OVERSPEND_SEED ?? 20_240_808);

const onPostgres = (await whichTestDb()) === "postgres";
let t: TestDb;
let server: RunningServer;
let account: Awaited<ReturnType<typeof makeAccountWithKey>>;
const secrets: string[] = [];

beforeAll(async () => {
  if (!onPostgres) return;
  t = await createTestDb({ maxConnections: 4 });
  account = await makeAccountWithKey(t.db); // Paid tier: 300/min per key, 5 keys, 176 requests each
  secrets.push(account.secret);
  for (let i = 1; i < 5; i++) {
    secrets.push((await createApiKey(t.db, { accountId: account.accountId, userId: account.userId, name: `load-${i}` })).secret);
  }
  await postEntry(t.db, {
    accountId: account.accountId,
    kind: "adjustment",
    amountMicroUsd: START_BALANCE - 10_000_000n,
    reference: `overspend-setup-${account.accountId}`,
    description: "load test: leave $1.50",
  });
  server = await startServer({ DATABASE_URL: t.url!, LOCAL_SIM_CHUNK_DELAY_MS: "2" });
});

afterAll(async () => {
  await server?.stop();
  await t?.drop();
});

describe.skipIf(!onPostgres)("overspend under load (real server, real PostgreSQL)", () => {
  it(
    "880 mixed requests, 120 at once, on $1.50: never below zero, 402 before work or charged exactly once, ledger balances",
    { timeout: 240_000 },
    async () => {
      const kinds: Kind[] = shuffled(
        Array.from({ length: TOTAL }, (_, i) => (["chat", "stream", "image", "speech"] as const)[i % 4]),
        SEED,
      );
      const sampler = sampleBalance(t.db, account.accountId);
      const outcomes: Outcome[] = await pool(TOTAL, CONCURRENCY, (i) => send(server.url, secrets[i % secrets.length], kinds[i], i));
      const maxInFlight = (pool as { lastMaxInFlight?: number }).lastMaxInFlight!;
      const seen = await sampler.stop();
      const after = await settledMoneyState(t.db, account.accountId); // settles land just after their answers

      const ok = outcomes.filter((o) => o.status === 200);
      const refused = outcomes.filter((o) => o.status === 402);
      const byKind = Object.fromEntries(
        (["chat", "stream", "image", "speech"] as const).map((k) => [
          k,
          { ok: ok.filter((o) => o.kind === k).length, refused: refused.filter((o) => o.kind === k).length },
        ]),
      );
      console.log(
        `[overspend] seed ${SEED}: ${TOTAL} requests, max ${maxInFlight} in flight; 200: ${ok.length}, 402: ${refused.length}; by kind ${JSON.stringify(byKind)}; ` +
          `balance ${START_BALANCE} -> ${after.balanceMicroUsd} µ$; ${seen.samples} balance samples, lowest balance ${seen.minBalance}, lowest spendable ${seen.minAvailable}`,
      );

      expect(maxInFlight).toBeGreaterThanOrEqual(100);
      // Every answer is a success or a 402: nothing else (no 500, no 429, no dropped connection).
      expect(outcomes.filter((o) => o.status !== 200 && o.status !== 402).map((o) => [o.kind, o.status, o.networkError, o.error])).toEqual([]);
      expect(ok.length).toBeGreaterThan(0);
      expect(refused.length).toBeGreaterThan(0);
      for (const k of ["chat", "stream", "image", "speech"] as const) expect(byKind[k].ok + byKind[k].refused).toBe(TOTAL / 4);

      // Never below zero at any moment we looked (and we looked many times during the run).
      expect(seen.samples).toBeGreaterThan(20);
      expect(seen.minBalance! >= 0n).toBe(true);
      expect(seen.minAvailable! >= 0n).toBe(true);

      // Each success: a request id, a reported cost, one ledger entry and one usage event for it, all equal.
      for (const o of ok) {
        expect(o.requestId).toMatch(/^req_/);
        expect(o.error).toBeNull();
        expect(o.costMicroUsd).not.toBeNull();
        expect(o.costMicroUsd! > 0n).toBe(true);
        expect(after.usageEntries.get(o.requestId!)).toEqual([-o.costMicroUsd!]);
        expect(after.usageEvents.get(o.requestId!)).toEqual([o.costMicroUsd!]);
      }
      // Each 402: the OpenAI error shape, refused before any work: no entry, no usage event.
      for (const o of refused) {
        expect(o.requestId).toMatch(/^req_/);
        expect(o.error).toMatchObject({ type: "insufficient_quota", code: "insufficient_quota", param: null });
        expect(typeof o.error!.message).toBe("string");
        expect(after.usageEntries.has(o.requestId!)).toBe(false);
        expect(after.usageEvents.has(o.requestId!)).toBe(false);
      }
      // Nothing else was charged: the ledger holds exactly the successes' entries.
      expect(after.usageEntries.size).toBe(ok.length);
      expect(after.usageEvents.size).toBe(ok.length);

      const charged = ok.reduce((s, o) => s + o.costMicroUsd!, 0n);
      expect(after.sumUsageEntriesMicroUsd).toBe(-charged);
      expect(after.sumUsageEventsMicroUsd).toBe(charged);
      expect(after.balanceMicroUsd).toBe(START_BALANCE - charged);
      expect(after.ledgerSumMicroUsd).toBe(after.balanceMicroUsd); // balance = Σ ledger
      expect(after.reservedMicroUsd).toBe(0n);
      expect(after.openReservations).toBe(0);
      expect(after.auditOk).toBe(true);
    },
  );
});
