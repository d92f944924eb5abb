import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { setTier } from "@/lib/accounts";
import { flushLastUsed } from "@/lib/api";
import { decideRequest } from "@/lib/api/rate-limit-hook";
import { createApiKey, revokeApiKey } from "@/lib/api-keys";
import { createRateLimiter, redisUrlBackend, upstashBackend, type RateLimiter } from "@/lib/ratelimit";
import { memoryBackend } from "@/lib/ratelimit/backends";
import { RATE_LIMIT_HEADERS, TIERS_BY_ID } from "@/lib/ratelimit/tiers";
import { makeAccount } from "@/tests/helpers/accounts";
import { appFetch } from "@/tests/helpers/app-fetch";
import { integrationApp } from "@/tests/helpers/fixture";
import { swapProcessSingleton } from "@/tests/helpers/process-state";
import { TEST_REDIS_URL, awayFromWindowEdge, deleteKeys, requireRedis, uniquePrefix } from "@/tests/helpers/redis";
import { startUpstashBridge, type UpstashBridge } from "@/tests/helpers/upstash-bridge";

// Issue 21 item 4: besides each key's limit, an account-wide ceiling per minute (3x the
// tier's per-key limit by default: Free 30), counted per account so that neither many
// keys nor revoking and re-creating them multiply it, and exact across instances.

const FREE = TIERS_BY_ID.free;
const MAX_KEYS = 25;
const app = integrationApp({ maxConnections: 8 });

async function freeAccountWithKeys(count: number) {
  const a = await makeAccount(app.db);
  await setTier(app.db, a.accountId, "free");
  const keys = [];
  for (let i = 0; i < count; i++) keys.push(await createApiKey(app.db, { accountId: a.accountId, userId: a.userId, name: `k${i}` }));
  return { ...a, keys };
}

describe("the ceiling's numbers", () => {
  it("default to 3x the per-key limit: Free 30, Elevated 180, Paid 900", () => {
    expect([TIERS_BY_ID.free, TIERS_BY_ID.elevated, TIERS_BY_ID.paid].map((t) => t.accountRequestsPerMinute)).toEqual([30, 180, 900]);
  });
});

const redisOk = await requireRedis("the account ceiling across instances");
describe.skipIf(!redisOk)("across two instances sharing one store", () => {
  const prefix = uniquePrefix("acct-ceiling");
  let bridge: UpstashBridge;
  const limiters: RateLimiter[] = [];
  beforeAll(async () => {
    bridge = await startUpstashBridge();
  });
  afterAll(async () => {
    for (const l of limiters.splice(0)) await l.close();
    await bridge?.close();
    await deleteKeys(TEST_REDIS_URL, prefix);
  });

  // "redis": two calls per request (key, then account); "redis, one script": both counters
  // in one script (limitKeyAndAccount, what /v1 uses); "redis, mixed": one instance each
  // way, on the same counters (the script must count exactly where the library counts).
  type Kind = "redis" | "upstash" | "redis, one script" | "redis, mixed";
  const instancesOn = (kind: Kind) =>
    [1, 2].map((n) => {
      const backend =
        kind === "upstash"
          ? upstashBackend({ url: bridge.url, token: bridge.token, prefix: `${prefix}:${kind}` })
          : redisUrlBackend({ url: TEST_REDIS_URL, prefix: `${prefix}:${kind}` });
      const l = createRateLimiter({ backend, timeoutMs: 2_000 });
      limiters.push(l);
      const pair = kind === "redis, one script" || (kind === "redis, mixed" && n === 1);
      return pair ? { both: l.limitKeyAndAccount } : { perKey: l.limitApiKey, perAccount: l.limitAccount };
    });

  for (const kind of ["redis", "upstash", "redis, one script", "redis, mixed"] as const) {
    it(`${kind}: 25 keys of a Free account, 4 requests each, spread over two instances at once: exactly 30 served, then revoked-and-new keys get none`, async () => {
      const a = await freeAccountWithKeys(MAX_KEYS);
      const [one, two] = instancesOn(kind);
      await awayFromWindowEdge(60_000, 10_000);
      const burst = a.keys.flatMap((k, i) =>
        [0, 1, 2, 3].map((j) => decideRequest({ keyId: k.id, accountId: a.accountId, tier: "free" }, (i + j) % 2 ? one : two)),
      );
      const outcomes = await Promise.all(burst);
      const served = outcomes.filter((o) => o.allowed).length;
      expect(served).toBe(FREE.accountRequestsPerMinute);
      const refused = outcomes.filter((o) => !o.allowed);
      expect(new Set(refused.map((o) => o.error?.code))).toEqual(new Set(["account_rate_limit_exceeded"]));
      // Per-key headers keep their meaning: each key made 4 of its 10.
      for (const o of outcomes) expect(Number(o.headers[RATE_LIMIT_HEADERS.limit])).toBe(FREE.requestsPerMinute);

      // Revoking every key and creating 25 new ones starts no new count.
      for (const k of a.keys) await revokeApiKey(app.db, { accountId: a.accountId, keyId: k.id });
      const fresh = [];
      for (let i = 0; i < MAX_KEYS; i++) fresh.push(await createApiKey(app.db, { accountId: a.accountId, userId: a.userId, name: `new${i}` }));
      const again = await Promise.all(fresh.map((k, i) => decideRequest({ keyId: k.id, accountId: a.accountId, tier: "free" }, i % 2 ? one : two)));
      expect(again.filter((o) => o.allowed)).toHaveLength(0);
    });
  }

  for (const kind of ["redis, one script", "redis, mixed"] as const) {
    it(`${kind}: requests refused by their key's limit do not count toward the account's ceiling`, async () => {
      const a = await freeAccountWithKeys(4);
      const [one, two] = instancesOn(kind);
      const ask = (keyId: string, i: number) => decideRequest({ keyId, accountId: a.accountId, tier: "free" }, i % 2 ? one : two);
      await awayFromWindowEdge(60_000, 10_000);
      // 25 at once on one key: its 10, then 15 refused by the key (account_rate_limit_exceeded never).
      const first = await Promise.all(Array.from({ length: 25 }, (_, i) => ask(a.keys[0].id, i)));
      expect(first.filter((o) => o.allowed)).toHaveLength(FREE.requestsPerMinute);
      expect(new Set(first.filter((o) => !o.allowed).map((o) => o.error?.code))).toEqual(new Set(["rate_limit_exceeded"]));
      // The account has counted 10 of its 30: the three other keys (10 each, within their own
      // limits) get exactly 20 between them.
      const rest = await Promise.all(Array.from({ length: 30 }, (_, i) => ask(a.keys[1 + (i % 3)].id, i)));
      expect(rest.filter((o) => o.allowed)).toHaveLength(FREE.accountRequestsPerMinute - FREE.requestsPerMinute);
      expect(new Set(rest.filter((o) => !o.allowed).map((o) => o.error?.code))).toEqual(new Set(["account_rate_limit_exceeded"]));
      // Refused ones carry the key's headers and a Retry-After that ends the window.
      for (const o of rest.filter((r) => !r.allowed)) expect(o.retryAfterSeconds).toBeGreaterThan(0);
    });
  }
});

describe("through /v1 (in-process, fake clock)", () => {
  const clock = { t: Date.UTC(2032, 0, 1, 0, 0, 5) };
  let restore: () => void = () => {};
  beforeAll(() => {
    const now = () => clock.t;
    restore = swapProcessSingleton<RateLimiter>("ratelimit", createRateLimiter({ backend: memoryBackend({ now, prefix: "acct-v1" }), now }));
  });
  afterAll(async () => {
    restore();
    await flushLastUsed();
  });
  beforeEach(() => {
    clock.t += 60_000;
  });

  const credits = (secret: string) => appFetch("http://localhost/v1/credits", { headers: { authorization: `Bearer ${secret}` } });

  it("the 31st request of a Free account in a minute is a 429 account_rate_limit_exceeded with Retry-After; the key's headers keep their meaning", async () => {
    const a = await freeAccountWithKeys(4);
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await credits(a.keys[i % 3].secret)).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const refused = await credits(a.keys[3].secret);
    expect(refused.status).toBe(429);
    expect((await refused.json()).error).toMatchObject({
      type: "requests",
      code: "account_rate_limit_exceeded",
      message: expect.stringContaining("30 requests per minute"),
    });
    expect(Number(refused.headers.get("retry-after"))).toBe(56); // the window ends 55 s after 00:00:05, and a whole second more
    // The fourth key's own count: 1 of 10.
    expect(refused.headers.get(RATE_LIMIT_HEADERS.limit)).toBe("10");
    expect(refused.headers.get(RATE_LIMIT_HEADERS.remaining)).toBe("9");

    // A key over its own limit is refused as before, with the key's code.
    clock.t += 60_000;
    for (let i = 0; i < 10; i++) expect((await credits(a.keys[0].secret)).status).toBe(200);
    const overKey = await credits(a.keys[0].secret);
    expect((await overKey.json()).error.code).toBe("rate_limit_exceeded");
  });
});

describe("the rate-limits docs page", () => {
  it("shows each tier's account ceiling from the same module, and the ceiling's error code", async () => {
    const { docMarkdown } = await import("@/lib/docs");
    const page = (await docMarkdown("rate-limits", { origin: "http://app.test" }))!;
    for (const t of Object.values(TIERS_BY_ID)) expect(page).toContain(`| ${t.name} | ${t.requestsPerMinute} | ${t.accountRequestsPerMinute} |`);
    expect(page).toContain("`account_rate_limit_exceeded`");
  });
});
