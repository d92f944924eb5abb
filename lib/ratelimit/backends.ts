import { createHash } from "node:crypto";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { ratelimitRedisAdapter, type EvalClient } from "./lua-compat";
import { closeRedisClient, createRedisClient } from "./redis-client";

// Three stores behind one shape, all running the same fixed-window counter (see the note
// in ./index.ts): a key per identifier per window, incremented on every request, the
// request allowed while the count is within the limit, the window ending at a multiple
// of its length since the epoch. The two Redis stores run @upstash/ratelimit's own
// `fixedWindow` script; the in-process store mirrors it line for line.
//
// Key layout (all three): `<prefix>:<windowMs>:<identifier>:<window number>`. The limit is
// NOT part of the key: one counter per key per window whatever the tier, so a tier change
// applies the new ceiling to the count already made (see ./index.ts).

export type BackendKind = "memory" | "redis" | "upstash";

export type WindowDecision = {
  success: boolean;
  limit: number;
  /** Left in this window after this request; never negative. */
  remaining: number;
  /** When this window ends, in Unix milliseconds. */
  resetMs: number;
};

/** One counter of a pair: an identifier with its limit and window. */
export type Counted = { identifier: string; limit: number; windowMs: number };

export type LimiterBackend = {
  readonly kind: BackendKind;
  /** Counts `rate` requests (default 1) in the current window and decides on the new count. */
  limit(identifier: string, opts: { limit: number; windowMs: number; rate?: number }): Promise<WindowDecision>;
  /**
   * Counts one request on `first`, then, only if `first` allowed it, on `second`, in one
   * atomic store call: the same counts and decisions as two calls of limit() in a row
   * (null: `second` was not counted). Stores without it are called twice.
   */
  limitPair?(first: Counted, second: Counted): Promise<[WindowDecision, WindowDecision | null]>;
  close(): Promise<void>;
};

export function memoryBackend(opts: { prefix?: string; now?: () => number } = {}): LimiterBackend {
  const prefix = opts.prefix ?? "rl";
  const now = opts.now ?? Date.now;
  const counters = new Map<string, { count: number; expiresAtMs: number }>();
  let calls = 0;
  return {
    kind: "memory",
    async limit(identifier, { limit, windowMs, rate = 1 }) {
      const t = now();
      if (++calls % 1024 === 0 || counters.size > 100_000) {
        for (const [k, v] of counters) if (v.expiresAtMs <= t) counters.delete(k);
      }
      const bucket = Math.floor(t / windowMs);
      const key = `${prefix}:${windowMs}:${identifier}:${bucket}`;
      let entry = counters.get(key);
      if (!entry) counters.set(key, (entry = { count: 0, expiresAtMs: t + windowMs }));
      entry.count += rate; // like the script's INCRBY: refused requests count too
      return {
        success: entry.count <= limit,
        limit,
        remaining: Math.max(0, limit - entry.count),
        resetMs: (bucket + 1) * windowMs,
      };
    },
    async close() {
      counters.clear();
    },
  };
}

/**
 * @upstash/ratelimit over any client that can run its scripts. One `Ratelimit` per
 * (limit, window), created on first use and kept: its ephemeral cache (identifiers known
 * to be over the limit until their window ends, answered without a round trip) only
 * works on a long-lived instance. Instances for different limits share keys, and each
 * cache entry stays true for its own limit because a window's count only grows.
 */
export function ratelimitBackend(
  kind: "redis" | "upstash",
  redis: EvalClient | Redis,
  opts: { prefix?: string; close?: () => Promise<void>; pairs?: boolean } = {},
): LimiterBackend {
  const prefix = opts.prefix ?? "rl";
  const limiters = new Map<string, Ratelimit>();
  const limiterFor = (limit: number, windowMs: number) => {
    const id = `${limit}/${windowMs}`;
    let rl = limiters.get(id);
    if (!rl) {
      rl = new Ratelimit({
        // Our adapter implements only what this configuration calls (see ./lua-compat.ts).
        redis: redis as Redis,
        limiter: Ratelimit.fixedWindow(limit, `${windowMs} ms`),
        prefix: `${prefix}:${windowMs}`,
        // 0 disables the library's own timeout, which resolves `success: true` after the
        // delay without saying why and leaves errors to throw anyway. ./limiter.ts bounds
        // every call itself, treating timeouts and errors alike.
        timeout: 0,
        analytics: false,
        enableProtection: false,
        enableTelemetry: false,
      });
      limiters.set(id, rl);
    }
    return rl;
  };
  return {
    kind,
    async limit(identifier, { limit, windowMs, rate }) {
      const r = await limiterFor(limit, windowMs).limit(identifier, rate && rate !== 1 ? { rate } : undefined);
      return { success: r.success, limit: r.limit, remaining: Math.max(0, r.remaining), resetMs: r.reset };
    },
    ...(opts.pairs ? { limitPair: pairLimiter(redis as EvalClient, prefix) } : {}),
    close: opts.close ?? (async () => {}),
  };
}

// Both counters of a /v1 request (the key's limit, then the account's ceiling) in one
// script, one round trip instead of two: the library's fixed-window script (INCRBY, PEXPIRE
// on the window's first count) run on the key's counter, then, only if the key is within
// its limit and the account is not known to be over its ceiling, on the account's. Same
// keys as the library's (`<prefix>:<windowMs>:<identifier>:<window number>`), so the
// counts are the ones limit() makes and reads.
const PAIR_SCRIPT = `local k = redis.call("INCRBY", KEYS[1], 1)
if k == 1 then redis.call("PEXPIRE", KEYS[1], ARGV[2]) end
if k > tonumber(ARGV[1]) or ARGV[4] == "0" then return {k, -1} end
local a = redis.call("INCRBY", KEYS[2], 1)
if a == 1 then redis.call("PEXPIRE", KEYS[2], ARGV[3]) end
return {k, a}`;
const PAIR_SCRIPT_SHA = createHash("sha1").update(PAIR_SCRIPT, "utf8").digest("hex");

/**
 * limitPair over a Redis that runs scripts. It keeps the library's ephemeral cache too
 * (an identifier over its limit is refused without a round trip until its window ends, and
 * not counted meanwhile), one entry per limit and window as the library has one cache per
 * limit and window: an entry made under one limit says nothing about a higher one.
 */
function pairLimiter(redis: EvalClient, prefix: string): NonNullable<LimiterBackend["limitPair"]> {
  const blockedUntil = new Map<string, number>();
  const cacheKey = (c: Counted) => `${c.limit}/${c.windowMs}/${c.identifier}`;
  const blocked = (c: Counted): number | null => {
    const reset = blockedUntil.get(cacheKey(c));
    if (reset === undefined) return null;
    if (reset < Date.now()) {
      blockedUntil.delete(cacheKey(c));
      return null;
    }
    return reset;
  };
  const decided = (c: Counted, count: number, resetMs: number): WindowDecision => {
    const success = count <= c.limit;
    if (!success) blockedUntil.set(cacheKey(c), resetMs);
    return { success, limit: c.limit, remaining: Math.max(0, c.limit - count), resetMs };
  };
  const refusedFromCache = (c: Counted, resetMs: number): WindowDecision => ({ success: false, limit: c.limit, remaining: 0, resetMs });
  const run = async (keys: string[], args: (string | number)[]): Promise<[number, number]> => {
    try {
      return (await redis.evalsha(PAIR_SCRIPT_SHA, keys, args)) as [number, number];
    } catch (err) {
      if (!(err instanceof Error) || !err.message.includes("NOSCRIPT")) throw err;
      return (await redis.eval(PAIR_SCRIPT, keys, args)) as [number, number];
    }
  };
  return async (first, second) => {
    const firstBlocked = blocked(first);
    if (firstBlocked !== null) return [refusedFromCache(first, firstBlocked), null];
    const secondBlocked = blocked(second);
    const now = Date.now();
    const firstWindow = Math.floor(now / first.windowMs);
    const secondWindow = Math.floor(now / second.windowMs);
    const [k, a] = await run(
      [`${prefix}:${first.windowMs}:${first.identifier}:${firstWindow}`, `${prefix}:${second.windowMs}:${second.identifier}:${secondWindow}`],
      [first.limit, first.windowMs, second.windowMs, secondBlocked === null ? 1 : 0],
    );
    const firstDecision = decided(first, Number(k), (firstWindow + 1) * first.windowMs);
    if (!firstDecision.success) return [firstDecision, null];
    if (secondBlocked !== null) return [firstDecision, refusedFromCache(second, secondBlocked)];
    return [firstDecision, decided(second, Number(a), (secondWindow + 1) * second.windowMs)];
  };
}

/** A self-hosted Redis (REDIS_URL, `rediss://` for TLS) through ioredis (./redis-client.ts). */
export function redisUrlBackend(opts: { url: string; prefix?: string; commandTimeoutMs?: number }): LimiterBackend {
  const redis = createRedisClient(opts.url, { commandTimeoutMs: opts.commandTimeoutMs ?? 2000 });
  // A self-hosted Redis runs the two-counter script (limitPair); Upstash keeps one call per counter.
  return ratelimitBackend("redis", ratelimitRedisAdapter(redis), { prefix: opts.prefix, close: () => closeRedisClient(redis), pairs: true });
}

/** Upstash Redis over its REST API, with the official client. */
export function upstashBackend(opts: { url: string; token: string; prefix?: string; httpTimeoutMs?: number }): LimiterBackend {
  const httpTimeoutMs = opts.httpTimeoutMs ?? 2000;
  const redis = new Redis({
    url: opts.url,
    token: opts.token,
    // The default retries five times with exponential backoff: seconds of work for a
    // decision the limiter abandons after its timeout anyway.
    retry: { retries: 0, backoff: () => 0 },
    // A function, so each request gets a fresh deadline (a shared signal aborts once, forever).
    signal: () => AbortSignal.timeout(httpTimeoutMs),
    enableTelemetry: false,
  });
  return ratelimitBackend("upstash", redis, { prefix: opts.prefix });
}
