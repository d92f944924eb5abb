import { describe, expect, it } from "vitest";
import type { LimiterBackend } from "./backends";
import { memoryBackend } from "./backends";
import { parseEnv } from "@/lib/env";
import { rateLimitExceededBody } from "./errors";
import { backendFromEnv } from "./index";
import { createRateLimiter, rateLimitHeaders } from "./limiter";
import { RATE_LIMIT_WINDOW_SECONDS, TIER_LIST, nextTier, tierInfo } from "./tiers";

// The in-process store on a fake clock: the full 60 s tier window without waiting.

function fakeClockLimiter(startMs: number) {
  const clock = { t: startMs };
  const now = () => clock.t;
  const limiter = createRateLimiter({ backend: memoryBackend({ now }), now });
  return { clock, limiter };
}

describe("tier table", () => {
  it("matches the published contract", () => {
    expect(TIER_LIST.map((t) => [t.id, t.name, t.requestsPerMinute])).toEqual([
      ["free", "Free", 10],
      ["elevated", "Elevated", 60],
      ["paid", "Paid", 300],
    ]);
    expect(RATE_LIMIT_WINDOW_SECONDS).toBe(60);
    expect(nextTier("free")?.id).toBe("elevated");
    expect(nextTier("paid")).toBeNull();
    expect(tierInfo("nonsense" as "free").requestsPerMinute).toBe(10);
  });
});

describe("configuration", () => {
  it("picks Upstash, then REDIS_URL, then the in-process store", async () => {
    const upstash = { UPSTASH_REDIS_REST_URL: "https://example.upstash.io", UPSTASH_REDIS_REST_TOKEN: "t" };
    expect(backendFromEnv(parseEnv({ ...upstash, REDIS_URL: "redis://127.0.0.1:6379" })).kind).toBe("upstash");
    const redis = backendFromEnv(parseEnv({ REDIS_URL: "redis://127.0.0.1:6379", RATELIMIT_TIMEOUT_MS: "80" }));
    expect(redis.kind).toBe("redis");
    await redis.close();
    expect(backendFromEnv(parseEnv({})).kind).toBe("memory");
    expect(parseEnv({ RATELIMIT_TIMEOUT_MS: "80", RATELIMIT_BREAKER_MS: "2000" })).toMatchObject({
      RATELIMIT_TIMEOUT_MS: 80,
      RATELIMIT_BREAKER_MS: 2000,
    });
    expect(() => parseEnv({ RATELIMIT_TIMEOUT_MS: "soon" })).toThrow(/RATELIMIT_TIMEOUT_MS/);
  });

  it("words the 429 body in the OpenAI shape", () => {
    expect(rateLimitExceededBody({ tier: "free", retryAfterSeconds: 12 })).toEqual({
      error: {
        message: expect.stringContaining("10 requests per minute") as unknown as string,
        type: "requests",
        param: null,
        code: "rate_limit_exceeded",
      },
    });
    // Says when to retry and how to get more, naming the next tier's real numbers.
    const free = rateLimitExceededBody({ tier: "free", retryAfterSeconds: 12 }).error.message;
    expect(free).toContain("Try again in 12 seconds");
    expect(free).toContain(`The ${nextTier("free")!.name} tier allows ${nextTier("free")!.requestsPerMinute} per minute (request it from the dashboard`);
    expect(rateLimitExceededBody({ tier: "elevated", retryAfterSeconds: 1 }).error.message).toContain("Try again in 1 second (");
    expect(rateLimitExceededBody({ tier: "paid", retryAfterSeconds: 3 }).error.message).not.toContain(" tier allows ");
  });
});

describe("in-process limiter on a fake clock", () => {
  it("gives an honest Retry-After on the real 60 s window, from anywhere in the window", async () => {
    for (const offsetMs of [0, 1, 999, 1000, 30_500, 59_000, 59_999]) {
      const { clock, limiter } = fakeClockLimiter(1_700_000_040_000 + offsetMs); // a minute boundary + offset
      for (let i = 0; i < 10; i++) expect((await limiter.limitApiKey({ keyId: "k", tier: "free" })).allowed).toBe(true);
      const refused = await limiter.limitApiKey({ keyId: "k", tier: "free" });
      expect(refused.allowed).toBe(false);
      expect(refused.resetUnixSeconds).toBe(1_700_000_100);
      expect(refused.retryAfterSeconds).toBe(Math.ceil((60_000 - offsetMs + 1) / 1000));
      expect(rateLimitHeaders(refused)["retry-after"]).toBe(String(refused.retryAfterSeconds));
      clock.t += refused.retryAfterSeconds! * 1000;
      expect(await limiter.limitApiKey({ keyId: "k", tier: "free" })).toMatchObject({ allowed: true, remaining: 9 });
    }
  });

  it("never lets more than the limit through in one window, whatever the timing", async () => {
    const { clock, limiter } = fakeClockLimiter(1_700_000_040_000);
    let allowedInWindow = 0;
    let window = Math.floor(clock.t / 60_000);
    for (let i = 0; i < 2000; i++) {
      clock.t += Math.floor(Math.random() * 300);
      const w = Math.floor(clock.t / 60_000);
      if (w !== window) [window, allowedInWindow] = [w, 0];
      const r = await limiter.limitApiKey({ keyId: "busy", tier: "elevated" });
      if (r.allowed) allowedInWindow++;
      expect(allowedInWindow).toBeLessThanOrEqual(60);
      expect(r.resetUnixSeconds * 1000).toBe((window + 1) * 60_000);
    }
  });
});

describe("failure policy", () => {
  const failing = (kind: "redis" | "upstash", fail: () => Promise<never>): LimiterBackend => ({
    kind,
    limit: fail,
    close: async () => {},
  });

  it("treats a store that never answers as a timeout, and a late answer changes nothing", async () => {
    let release: (v: never) => void = () => {};
    const backend = failing("redis", () => new Promise<never>((_, reject) => (release = reject as never)));
    const l = createRateLimiter({ backend, timeoutMs: 20, log: () => {} });
    const r = await l.limitApiKey({ keyId: "k", tier: "free" });
    expect(r).toMatchObject({ allowed: true, degraded: true, remaining: 9 });
    expect(l.stats()).toMatchObject({ timeouts: 1, errors: 0, failures: 1 });
    release(new Error("late") as never); // must not surface as an unhandled rejection
    await new Promise((r) => setTimeout(r, 5));
    expect(l.stats().failures).toBe(1);
  });

  it("logs once per breaker period, however many requests arrive", async () => {
    const logs: string[] = [];
    let clock = 0;
    const l = createRateLimiter({
      backend: failing("upstash", () => Promise.reject(new Error("boom"))),
      breakerMs: 1000,
      now: () => clock,
      log: (m) => logs.push(m),
    });
    for (let i = 0; i < 10_000; i++) {
      clock += 1; // 10 s of traffic at 1000 requests a second
      await l.limit("x", { limit: 1, windowSeconds: 60 });
    }
    const s = l.stats();
    expect(s.degraded).toBe(10_000);
    // Decided in-process with the same limit (1 per minute; the 10 s fit in one window), not let through.
    expect(s.refused).toBe(9_999);
    expect(s.failures).toBe(10); // one probe per breaker period
    expect(logs).toHaveLength(10);
  });

  it("refuses nonsense limits loudly", () => {
    const l = createRateLimiter({ backend: memoryBackend() });
    expect(() => l.limit("x", { limit: 0, windowSeconds: 60 })).toThrow(RangeError);
    expect(() => l.limit("x", { limit: 5, windowSeconds: 0.5 })).toThrow(RangeError);
  });
});

describe("every decision waits for the store (limits shared by instances hold exactly)", () => {
  // A remote store stand-in: the in-process counters behind a gate the test opens, so we
  // can see which decisions waited for the store and which did not.
  function gatedStore() {
    const inner = memoryBackend();
    const gates: Array<() => void> = [];
    let calls = 0;
    const rates: number[] = [];
    const backend: LimiterBackend = {
      kind: "redis",
      async limit(identifier, opts) {
        calls++;
        rates.push(opts.rate ?? 1);
        await new Promise<void>((r) => gates.push(r));
        return inner.limit(identifier, opts);
      },
      close: () => inner.close(),
    };
    const openAll = async () => {
      while (gates.length) gates.shift()!();
      await new Promise((r) => setTimeout(r, 0));
    };
    return { backend, openAll, calls: () => calls, rates: () => rates };
  }
  const settledWithin = async <T>(p: Promise<T>, ms = 20) => Promise.race([p.then((v) => ({ v })), new Promise<null>((r) => setTimeout(() => r(null), ms))]);

  it("an API key's request waits for the store even with plenty left: each admission is the store's own decision", async () => {
    const store = gatedStore();
    const limiter = createRateLimiter({ backend: store.backend, tierLimitOverride: 100, timeoutMs: 5_000 });
    const first = limiter.limitApiKey({ keyId: "k1", tier: "paid" });
    expect(await settledWithin(first)).toBeNull(); // waits for the store
    await store.openAll();
    expect(await first).toMatchObject({ allowed: true, remaining: 99 });
    // 99 left, and still the next ones wait: another instance may be spending them.
    const next = [0, 1, 2, 3, 4].map(() => limiter.limitApiKey({ keyId: "k1", tier: "paid" }));
    expect(await settledWithin(Promise.race(next))).toBeNull();
    await store.openAll();
    expect((await Promise.all(next)).map((r) => r.remaining).sort((a, b) => b - a)).toEqual([98, 97, 96, 95, 94]);
    expect(store.rates()).toEqual([1, 1, 1, 1, 1, 1]); // one store decision per request
    expect(limiter.stats()).toMatchObject({ decisions: 6, refused: 0, degraded: 0 });
  });

  it("a burst never admits more than the limit", async () => {
    const store = gatedStore();
    const limiter = createRateLimiter({ backend: store.backend, tierLimitOverride: 30, timeoutMs: 5_000 });
    let allowed = 0;
    const pending: Promise<unknown>[] = [];
    const opener = setInterval(() => void store.openAll(), 1);
    try {
      for (let i = 0; i < 60; i++) {
        pending.push(limiter.limitApiKey({ keyId: "k2", tier: "paid" }).then((r) => void (r.allowed && allowed++)));
        if (i % 3 === 0) await new Promise((r) => setTimeout(r, 0));
      }
      await Promise.all(pending);
    } finally {
      clearInterval(opener);
      await store.openAll();
    }
    expect(allowed).toBe(30);
  });

  it("sign-in throttles (limit()) always wait for the store", async () => {
    const store = gatedStore();
    const limiter = createRateLimiter({ backend: store.backend, timeoutMs: 5_000 });
    const p1 = limiter.limit("signin:ip:1", { limit: 100, windowSeconds: 60 });
    await store.openAll();
    await p1;
    expect(await settledWithin(limiter.limit("signin:ip:1", { limit: 100, windowSeconds: 60 }))).toBeNull();
    await store.openAll();
  });
});
