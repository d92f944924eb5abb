import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRateLimiter,
  memoryBackend,
  rateLimitHeaders,
  redisUrlBackend,
  upstashBackend,
  type LimiterBackend,
  type RateLimiter,
  type RateLimitResult,
} from "@/lib/ratelimit";
import {
  TEST_REDIS_URL,
  awayFromWindowEdge,
  deadPort,
  deleteKeys,
  requireRedis,
  silentServer,
  sleepUntil,
  testRedis,
  uniquePrefix,
} from "@/tests/helpers/redis";
import { startUpstashBridge, type UpstashBridge } from "@/tests/helpers/upstash-bridge";

// The same contract, run against each store: in-process, a real Redis through REDIS_URL,
// and Upstash's REST protocol (official client) through a bridge to that Redis.

const redisOk = await requireRedis("the rate limiter's Redis and Upstash tests");

type Factory = (prefix: string) => LimiterBackend;
const closers: (() => Promise<void>)[] = [];
const prefixes: string[] = [];
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
  if (redisOk) for (const p of prefixes) await deleteKeys(TEST_REDIS_URL, p);
});

let bridge: UpstashBridge | undefined;
beforeAll(async () => {
  if (!redisOk) return;
  bridge = await startUpstashBridge();
  closers.push(() => bridge!.close());
});

const backends: { name: string; redis: boolean; factory: Factory }[] = [
  { name: "in-process", redis: false, factory: (prefix) => memoryBackend({ prefix }) },
  { name: "REDIS_URL", redis: true, factory: (prefix) => redisUrlBackend({ url: TEST_REDIS_URL, prefix }) },
  {
    name: "Upstash (REST bridge)",
    redis: true,
    factory: (prefix) => upstashBackend({ url: bridge!.url, token: bridge!.token, prefix }),
  },
];

let keySeq = 0;
const newKeyId = () => `key_t${++keySeq}`;

for (const b of backends) {
  describe.skipIf(b.redis && !redisOk)(`rate limiter on ${b.name}`, () => {
    // A generous timeout: these tests are about counting, not about the failure policy.
    const make = (o: { tierWindowSeconds?: number } = {}): RateLimiter => {
      const prefix = uniquePrefix(b.name.replace(/\W+/g, "-"));
      prefixes.push(prefix);
      const limiter = createRateLimiter({ backend: b.factory(prefix), timeoutMs: 5000, ...o });
      closers.push(() => limiter.close());
      return limiter;
    };
    const fire = (l: RateLimiter, keyId: string, tier: "free" | "elevated" | "paid", n: number) =>
      Promise.all(Array.from({ length: n }, () => l.limitApiKey({ keyId, tier })));

    // Only a shared store can be shared: the in-process backend gets no such test at all
    // (rather than a skipped one, so a CI run reports no skips).
    (b.redis ? it : () => {})("shares one count between app instances, kept in Redis", async () => {
      const prefix = uniquePrefix("shared");
      prefixes.push(prefix);
      // Two instances: separate limiters, separate connections, one Redis.
      const [one, two] = [0, 1].map(() => {
        const l = createRateLimiter({ backend: b.factory(prefix), timeoutMs: 5000 });
        closers.push(() => l.close());
        return l;
      });
      await awayFromWindowEdge(60_000, 3000);
      const keyId = newKeyId();
      const results = (await Promise.all([fire(one, keyId, "free", 25), fire(two, keyId, "free", 25)])).flat();
      expect(results.filter((r) => r.allowed)).toHaveLength(10);
      const redis = testRedis();
      closers.push(async () => redis.disconnect());
      const bucket = Math.floor(Date.now() / 60_000);
      expect(Number(await redis.get(`${prefix}:60000:key:${keyId}:${bucket}`))).toBe(50);
      if (b.name.startsWith("Upstash")) expect(bridge!.requests).toBeGreaterThan(0);
    });

    it("counts a busy key's every request in the store, each its own decision, none lost", async () => {
      const prefix = uniquePrefix(b.name.replace(/\W+/g, "-") + "-busy");
      prefixes.push(prefix);
      let calls = 0;
      const inner = b.factory(prefix);
      const counting: LimiterBackend = { kind: inner.kind, limit: (id, o) => (calls++, inner.limit(id, o)), close: () => inner.close() };
      const l = createRateLimiter({ backend: counting, timeoutMs: 5000 });
      closers.push(() => l.close());
      await awayFromWindowEdge(60_000, 3000);
      const keyId = newKeyId();
      // A Paid key (300 a minute): 200 requests in 20 bursts of 10, a millisecond apart.
      let allowed = 0;
      for (let i = 0; i < 20; i++) {
        allowed += (await fire(l, keyId, "paid", 10)).filter((r) => r.allowed).length;
        await new Promise((r) => setTimeout(r, 1));
      }
      expect(allowed).toBe(200);
      const last = await l.limitApiKey({ keyId, tier: "paid" });
      expect(last.remaining).toBe(99);
      if (b.redis) {
        const redis = testRedis();
        closers.push(async () => redis.disconnect());
        expect(Number(await redis.get(`${prefix}:60000:key:${keyId}:${Math.floor(Date.now() / 60_000)}`))).toBe(201);
        expect(calls).toBe(201); // one store decision per request
      }
      expect(l.stats()).toMatchObject({ decisions: 201, refused: 0, degraded: 0 });
    });

    it("lets exactly 10 of 50 simultaneous requests from a Free key through", async () => {
      const l = make();
      await awayFromWindowEdge(60_000, 3000);
      const startSeconds = Date.now() / 1000;
      const results = await fire(l, newKeyId(), "free", 50);
      const allowed = results.filter((r) => r.allowed);
      expect(allowed).toHaveLength(10);
      expect(allowed.map((r) => r.remaining).sort((a, z) => a - z)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      for (const r of results) {
        expect(r.degraded).toBeFalsy();
        expect(r.limit).toBe(10);
        // One window for all: it ends on the next whole minute, a Unix time in seconds.
        expect(r.resetUnixSeconds).toBe(Math.ceil(startSeconds / 60) * 60);
        if (!r.allowed) {
          expect(r.remaining).toBe(0);
          expect(r.retryAfterSeconds).toBeGreaterThanOrEqual(1);
          // Within the window; 61 only when the wait is exactly 60 000 ms (+1 ms margin rounds up).
          expect(r.retryAfterSeconds).toBeLessThanOrEqual(61);
          expect(r.retryAfterSeconds! * 1000).toBeGreaterThan(r.resetUnixSeconds * 1000 - Date.now());
        }
      }
      expect(l.stats()).toMatchObject({ decisions: 50, refused: 40, degraded: 0 });
    });

    it("counts down remaining and sets the documented headers", async () => {
      const l = make();
      await awayFromWindowEdge(60_000, 3000);
      const keyId = newKeyId();
      const seen: RateLimitResult[] = [];
      for (let i = 0; i < 11; i++) seen.push(await l.limitApiKey({ keyId, tier: "free" }));
      expect(seen.map((r) => r.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0]);

      const first = rateLimitHeaders(seen[0]);
      expect(Object.keys(first).sort()).toEqual(["x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"]);
      expect(first["x-ratelimit-limit-requests"]).toBe("10");
      expect(first["x-ratelimit-remaining-requests"]).toBe("9");
      const reset = Number(first["x-ratelimit-reset-requests"]);
      expect(Number.isInteger(reset)).toBe(true);
      expect(reset).toBeGreaterThan(Date.now() / 1000);
      expect(reset).toBeLessThanOrEqual(Date.now() / 1000 + 60);

      const refused = rateLimitHeaders(seen[10]);
      expect(refused["x-ratelimit-remaining-requests"]).toBe("0");
      expect(refused["retry-after"]).toMatch(/^[1-9]\d*$/);
      expect(Number(refused["retry-after"])).toBe(seen[10].retryAfterSeconds);
    });

    it("limits two keys of the same account independently", async () => {
      const l = make();
      await awayFromWindowEdge(60_000, 3000);
      const [a, b2] = [newKeyId(), newKeyId()];
      const burstA = await fire(l, a, "free", 12);
      expect(burstA.filter((r) => r.allowed)).toHaveLength(10);
      const firstB = await l.limitApiKey({ keyId: b2, tier: "free" });
      expect(firstB).toMatchObject({ allowed: true, remaining: 9 });
      expect((await fire(l, b2, "free", 15)).filter((r) => r.allowed)).toHaveLength(9);
      expect((await l.limitApiKey({ keyId: a, tier: "free" })).allowed).toBe(false);
    });

    it("applies a tier change to the very next request, up and down", async () => {
      const l = make();
      await awayFromWindowEdge(60_000, 3000);
      const keyId = newKeyId();
      expect((await fire(l, keyId, "free", 11)).filter((r) => r.allowed)).toHaveLength(10);
      // Upgrade: the new ceiling applies to this window's count (11 so far, the refusal included).
      const up = await l.limitApiKey({ keyId, tier: "elevated" });
      expect(up).toMatchObject({ allowed: true, limit: 60, remaining: 60 - 12 });

      const paidKey = newKeyId();
      expect((await fire(l, paidKey, "paid", 20)).every((r) => r.allowed)).toBe(true);
      // Downgrade: 20 already made this minute is over Free's 10, so refused at once...
      const down = await l.limitApiKey({ keyId: paidKey, tier: "free" });
      expect(down).toMatchObject({ allowed: false, limit: 10, remaining: 0 });
      expect(down.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      // ...and back up again, allowed at once (a refusal cached under Free does not leak).
      expect(await l.limitApiKey({ keyId: paidKey, tier: "paid" })).toMatchObject({ allowed: true, limit: 300 });
    });

    it("gives an honest Retry-After: waiting that long lets the next request through", async () => {
      const l = make({ tierWindowSeconds: 2 }); // the 60 s contract, shortened for the test
      await awayFromWindowEdge(2000, 500);
      const keyId = newKeyId();
      const burst = await fire(l, keyId, "free", 11);
      expect(burst.filter((r) => r.allowed)).toHaveLength(10);
      const refused = await l.limitApiKey({ keyId, tier: "free" });
      const receivedAt = Date.now();
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(3);
      await sleepUntil(receivedAt + refused.retryAfterSeconds! * 1000);
      expect(await l.limitApiKey({ keyId, tier: "free" })).toMatchObject({ allowed: true, remaining: 9 });
    });

    it("throttles any identifier with limit(), Retry-After honest too", async () => {
      const l = make();
      await awayFromWindowEdge(1000, 300);
      const id = `signin:ip:203.0.113.${keySeq++ % 250}:${Math.random()}`;
      const rs = await Promise.all(Array.from({ length: 5 }, () => l.limit(id, { limit: 3, windowSeconds: 1 })));
      expect(rs.filter((r) => r.allowed)).toHaveLength(3);
      const refused = rs.find((r) => !r.allowed)!;
      const receivedAt = Date.now();
      expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(2);
      await sleepUntil(receivedAt + refused.retryAfterSeconds! * 1000);
      expect((await l.limit(id, { limit: 3, windowSeconds: 1 })).allowed).toBe(true);
      // The API-key limits and limit() never share a counter, whatever the identifier.
      expect((await l.limitApiKey({ keyId: id, tier: "free" })).remaining).toBe(9);
    });
  });
}

describe.skipIf(!redisOk)("rate limiter failure policy", () => {
  const remote = [
    { name: "REDIS_URL", at: (port: number) => redisUrlBackend({ url: `redis://127.0.0.1:${port}`, prefix: "rl-dead", commandTimeoutMs: 1000 }) },
    {
      name: "Upstash",
      at: (port: number) => upstashBackend({ url: `http://127.0.0.1:${port}`, token: "t", prefix: "rl-dead", httpTimeoutMs: 1000 }),
    },
  ];

  for (const r of remote) {
    it(`${r.name}: a dead port degrades to this instance's own counters (same limit), counted, logged once, skipped while the breaker is open`, async () => {
      const logs: string[] = [];
      let clock = Math.floor(Date.now() / 60_000) * 60_000 + 1000; // early in a minute: the burst stays in one window
      // Port 1 for Redis; fetch refuses port 1 outright (a "bad port"), so Upstash gets a freed one.
      const port = r.name === "REDIS_URL" ? 1 : await deadPort();
      // A refused connection fails fast; the generous timeout keeps this an error, never a race with it.
      const l = createRateLimiter({ backend: r.at(port), timeoutMs: 3000, breakerMs: 5000, now: () => clock, log: (m) => logs.push(m) });
      closers.push(() => l.close());

      const first = await l.limitApiKey({ keyId: "key_dead", tier: "free" });
      expect(first).toMatchObject({ allowed: true, degraded: true, limit: 10, remaining: 9, retryAfterSeconds: null });
      expect(l.stats()).toMatchObject({ failures: 1, errors: 1, timeouts: 0, degraded: 1, skipped: 0, breakerOpen: true });

      // Not unlimited: the Free key's 10 a minute still hold, counted in-process.
      const more = await Promise.all(Array.from({ length: 20 }, () => l.limitApiKey({ keyId: "key_dead", tier: "free" })));
      expect(more.every((x) => x.degraded)).toBe(true);
      expect(more.filter((x) => x.allowed)).toHaveLength(9);
      const refused = more.find((x) => !x.allowed)!;
      expect(refused).toMatchObject({ limit: 10, remaining: 0, retryAfterSeconds: 60 });
      // Nobody waited on the dead store again: all 20 were skipped by the breaker.
      expect(l.stats()).toMatchObject({ failures: 1, skipped: 20, degraded: 21, refused: 11 });
      expect(logs).toHaveLength(1);
      expect(logs[0]).toMatch(/unavailable.*limits on its own/);

      clock += 5001; // breaker period over: exactly one request probes, and fails again
      await l.limitApiKey({ keyId: "key_dead", tier: "free" });
      expect(l.stats()).toMatchObject({ failures: 2, skipped: 20, degraded: 22, breakerOpen: true });
      expect(logs).toHaveLength(2);
    });

    it(`${r.name}: a server that accepts but never answers is abandoned after the timeout`, async () => {
      const silent = await silentServer();
      closers.push(silent.close);
      const l = createRateLimiter({ backend: r.at(silent.port), timeoutMs: 100, log: () => {} });
      closers.push(() => l.close());
      const res = await l.limitApiKey({ keyId: "key_silent", tier: "paid" });
      expect(res).toMatchObject({ allowed: true, degraded: true, limit: 300, remaining: 299 });
      expect(l.stats()).toMatchObject({ failures: 1, timeouts: 1, errors: 0, breakerOpen: true });
      expect((await l.limit("signup:ip:198.51.100.7", { limit: 5, windowSeconds: 3600 })).degraded).toBe(true);
      expect(l.stats()).toMatchObject({ failures: 1, skipped: 1 });
    });
  }

  it("closes the breaker when the store answers again, and limits apply at once", async () => {
    const prefix = uniquePrefix("flaky");
    prefixes.push(prefix);
    const real = redisUrlBackend({ url: TEST_REDIS_URL, prefix });
    let down = true;
    const flaky: LimiterBackend = {
      kind: "redis",
      limit: (id, o) => (down ? Promise.reject(new Error("ECONNREFUSED (simulated)")) : real.limit(id, o)),
      close: () => real.close(),
    };
    const logs: string[] = [];
    let clock = Date.now();
    const l = createRateLimiter({ backend: flaky, breakerMs: 5000, timeoutMs: 5000, now: () => clock, log: (m) => logs.push(m) });
    closers.push(() => l.close());

    await awayFromWindowEdge(60_000, 3000);
    expect((await l.limitApiKey({ keyId: "key_flaky", tier: "free" })).degraded).toBe(true);
    down = false;
    expect((await l.limitApiKey({ keyId: "key_flaky", tier: "free" })).degraded).toBe(true); // breaker still open
    clock += 5001;
    const back = await l.limitApiKey({ keyId: "key_flaky", tier: "free" });
    expect(back).toMatchObject({ allowed: true, remaining: 9 });
    expect(back.degraded).toBeUndefined();
    expect(l.stats()).toMatchObject({ breakerOpen: false, failures: 1, degraded: 2 });
    expect(logs.map((m) => (/again/.test(m) ? "recovered" : "down"))).toEqual(["down", "recovered"]);
  });
});
