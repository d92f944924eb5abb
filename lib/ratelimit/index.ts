/*
 * Rate limiting: per API key per minute at the account's tier, an account-wide ceiling per
 * minute beside it (all the account's keys together; ./tiers.ts, ../api/rate-limit-hook.ts
 * for the order of the two), and a generic per-identifier
 * limit for sign-in / sign-up throttling. Numbers and header names: ./tiers.ts.
 *
 * ALGORITHM: fixed window, on all three stores. A key has one counter per window; windows
 * are aligned to the epoch (the minute 12:00:00–12:00:59, then 12:01:00…), every request
 * increments the counter atomically (a Lua INCRBY on Redis), and it is allowed while the
 * count is <= the limit. Chosen over sliding window because it makes both promises we
 * publish exact: (1) a Free key firing 50 requests at once gets exactly 10 through — the
 * atomic increment hands out counts 1..50 and only 1..10 pass; (2) Retry-After and
 * x-ratelimit-reset-requests are honest — at the reset instant a fresh, empty window
 * begins, so waiting Retry-After seconds always lets the next request through. Upstash's
 * slidingWindow reports the end of the current bucket as `reset`, but the weighted count
 * carried over from it can still refuse requests after that moment, so its Retry-After
 * would lie. The known cost of fixed windows: a burst straddling a boundary can get up to
 * 2x the limit within a few seconds (10 at 12:00:59, 10 more at 12:01:00); per minute the
 * ceiling holds. Refused requests are counted too (the library's script increments
 * before comparing); that only matters after an upgrade mid-window (below).
 *
 * TIER CHANGES: the limit is passed per call and is not part of the key, so a key has one
 * counter per window whatever its tier, and the ceiling read from the account at request
 * time applies to that count on the very next request. Upgrade Free -> Elevated after 10
 * requests: 50 more this minute, not 60 (and not 0). Downgrade Paid -> Free after 200:
 * refused until the window ends — a downgrade that let 10 more through would not have
 * applied. Each tier's `Ratelimit` instance keeps its own ephemeral "blocked until reset"
 * cache; an entry made under one limit stays true because a window's count never drops.
 *
 * STORES, chosen by configuration, first match wins:
 *   UPSTASH_REDIS_REST_URL + _TOKEN -> @upstash/ratelimit on @upstash/redis (HTTP).
 *   REDIS_URL                       -> @upstash/ratelimit's own scripts on a self-hosted
 *                                      Redis (rediss:// for TLS), through ioredis
 *                                      (./redis-client.ts: one pipelined connection,
 *                                      reconnects, fail-fast timeouts) and ./lua-compat.ts
 *                                      (shebang strip).
 *   neither                         -> in-process counters with the same semantics; right
 *                                      for one instance only (each instance would count
 *                                      separately), which is what "no config" means.
 * The limiter is created once per process (processSingleton, so dev reloads reuse it),
 * lazily, so `next build` opens nothing; it joins the shutdown registry to send its
 * queued increments.
 *
 * FAILURE POLICY: limits degrade, they do not open. A store call that errors or takes
 * longer than RATELIMIT_TIMEOUT_MS (default 150 ms) is abandoned and the request is decided
 * by this instance's in-process counters, with the same limits (`degraded: true`; the
 * headers show that count). Those counters are per instance: with N instances a key can
 * get up to N times its limit while the store is down, and a count made in the store
 * before the failure is not carried over. Sign-in and sign-up limits refuse instead of
 * relying on a per-instance count (lib/auth/ip-limits.ts). The first failure opens a
 * breaker for RATELIMIT_BREAKER_MS (default 5 s): meanwhile requests skip the store and
 * are decided in-process at once, so a dead Redis costs one timeout per 5 s, not one per
 * request. Then one request probes; success closes the breaker, failure re-opens it.
 * Opening and failed probes are logged (so at most one line per breaker period), and
 * everything is counted in limiterStats(). Bounds: a request waits at most
 * RATELIMIT_TIMEOUT_MS for the store; abandoned calls are themselves cut off (Redis
 * command timeout / HTTP abort at max(1 s, 5x the timeout)) so they cannot pile up; a Redis connection whose replies are
 * overdue is dropped and redialled in the background. Clocks: the window number comes
 * from each app instance's clock, so instances should run NTP (skew of s seconds shifts
 * their window edges by s).
 */
import type { Tier } from "@/db/schema/accounts";
import { env, type Env } from "@/lib/env";
import { onShutdown, processSingleton } from "@/lib/process";
import { memoryBackend, redisUrlBackend, upstashBackend, type LimiterBackend } from "./backends";
import { createRateLimiter, type LimiterStats, type RateLimiter, type RateLimitResult } from "./limiter";

export { createRateLimiter, rateLimitHeaders } from "./limiter";
export type { RateLimiter, RateLimiterOptions } from "./limiter";
export type { LimiterStats, RateLimitResult } from "./types";
export { memoryBackend, redisUrlBackend, upstashBackend, type BackendKind, type LimiterBackend } from "./backends";
export * from "./tiers";
export { accountRateLimitExceededError, rateLimitExceededBody, rateLimitExceededError } from "./errors";

const DEFAULT_PREFIX = "rl";

/** The store the configuration asks for (exported for tests and the CLI). */
export function backendFromEnv(e: Env, prefix = DEFAULT_PREFIX): LimiterBackend {
  const timeoutMs = e.RATELIMIT_TIMEOUT_MS ?? 150;
  const cutoffMs = Math.max(1000, timeoutMs * 5);
  if (e.UPSTASH_REDIS_REST_URL && e.UPSTASH_REDIS_REST_TOKEN) {
    return upstashBackend({ url: e.UPSTASH_REDIS_REST_URL, token: e.UPSTASH_REDIS_REST_TOKEN, prefix, httpTimeoutMs: cutoffMs });
  }
  if (e.REDIS_URL) return redisUrlBackend({ url: e.REDIS_URL, prefix, commandTimeoutMs: cutoffMs });
  return memoryBackend({ prefix });
}

export function getRateLimiter(): RateLimiter {
  return processSingleton("ratelimit", () => {
    const e = env();
    const limiter = createRateLimiter({
      backend: backendFromEnv(e),
      timeoutMs: e.RATELIMIT_TIMEOUT_MS,
      breakerMs: e.RATELIMIT_BREAKER_MS,
      tierLimitOverride: benchTierLimitOverride(),
    });
    // The store's connection closes with the process.
    onShutdown("ratelimit", () => limiter.close());
    return limiter;
  });
}

// BENCHMARK ONLY: `npm run bench -- gateway` starts its server with BENCH_PASSTHROUGH=1 and
// BENCH_RATELIMIT_RPM=<huge>, so its keys are counted in Redis like any other but never
// refused. Both variables are read once, here; production never sets BENCH_PASSTHROUGH.
function benchTierLimitOverride(): number | undefined {
  if (process.env.BENCH_PASSTHROUGH !== "1") return undefined;
  const rpm = Number(process.env.BENCH_RATELIMIT_RPM);
  return Number.isInteger(rpm) && rpm > 0 ? rpm : undefined;
}

/** Counts one /v1 request for this API key against its account's current tier. */
export function limitApiKey(args: { keyId: string; tier: Tier }): Promise<RateLimitResult> {
  return getRateLimiter().limitApiKey(args);
}

/** Counts one /v1 request against its account's ceiling (all its keys together). */
export function limitAccount(args: { accountId: string; tier: Tier }): Promise<RateLimitResult> {
  return getRateLimiter().limitAccount(args);
}

/** limitApiKey then, if the key's limit allowed it, limitAccount: one store round trip on Redis. */
export function limitKeyAndAccount(args: { keyId: string; accountId: string; tier: Tier }): Promise<{ key: RateLimitResult; account: RateLimitResult | null }> {
  return getRateLimiter().limitKeyAndAccount(args);
}

/**
 * Counts one event for any identifier, e.g. `limit(\`signin:ip:${ip}\`, { limit: 10, windowSeconds: 60 })`.
 * Namespace identifiers by purpose: the same identifier with the same window shares a counter.
 */
export function limit(identifier: string, opts: { limit: number; windowSeconds: number }): Promise<RateLimitResult> {
  return getRateLimiter().limit(identifier, opts);
}

/** Counters for health checks and the admin page: in-process (degraded) decisions, store failures, breaker state. */
export function limiterStats(): LimiterStats {
  return getRateLimiter().stats();
}
