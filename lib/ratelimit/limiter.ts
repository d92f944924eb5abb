import type { Tier } from "@/db/schema/accounts";
import { memoryBackend, type LimiterBackend } from "./backends";
import { Breaker } from "./breaker";
import { guardStore } from "./store-guard";
import { RATE_LIMIT_HEADERS, RATE_LIMIT_WINDOW_SECONDS, tierInfo } from "./tiers";
import type { LimiterStats, RateLimitResult } from "./types";

// The limiter, composed of named parts (the reasoning behind each is in its module, the
// policy as a whole in ./index.ts):
//   ./store-guard.ts  the store behind a deadline, with the in-process fallback, counters
//                     and sparing logs;
//   ./breaker.ts      skip the store for a while after a failure or timeout.
// Every request waits for the store's answer: a limit shared by several instances holds
// exactly only when each admission is the store's atomic decision. (An earlier "headroom"
// let keys far from their limit go on before the answer; with two instances a Free key's
// burst then got 11 answers of 10, tests/server/two-instances.test.ts.)

export type { LimiterStats, RateLimitResult } from "./types";

export type RateLimiterOptions = {
  backend: LimiterBackend;
  /** Longest a request waits for the store before the in-process counters decide. Default 150 ms. */
  timeoutMs?: number;
  /** After a store failure, skip the store for this long. Default 5000 ms. */
  breakerMs?: number;
  /** Window of the tier limits; only tests change it. Default RATE_LIMIT_WINDOW_SECONDS. */
  tierWindowSeconds?: number;
  /**
   * BENCHMARK ONLY: one requests-per-window ceiling for every key (and account) instead of its tier's, so
   * the gateway benchmark's keys still make the store round trip but are never refused.
   * Set from BENCH_RATELIMIT_RPM only when BENCH_PASSTHROUGH=1 (see ./index.ts).
   */
  tierLimitOverride?: number;
  /** Clock for Retry-After, windows and the breaker; must be the clock the store uses. */
  now?: () => number;
  log?: (message: string) => void;
};

export type RateLimiter = {
  /** One /v1 request of this API key at its tier's per-minute limit. */
  limitApiKey(args: { keyId: string; tier: Tier }): Promise<RateLimitResult>;
  /**
   * One /v1 request of this account (any of its keys) at its tier's account-wide ceiling.
   * Counted per account, not per key: revoking and re-creating keys starts no new count.
   */
  limitAccount(args: { accountId: string; tier: Tier }): Promise<RateLimitResult>;
  /**
   * limitApiKey, then limitAccount only if the key's limit allowed the request (account:
   * null otherwise): the same counts and decisions, in one store round trip on Redis.
   */
  limitKeyAndAccount(args: { keyId: string; accountId: string; tier: Tier }): Promise<{ key: RateLimitResult; account: RateLimitResult | null }>;
  /** One event for any identifier (sign-in, sign-up…); always waits for the store's answer. */
  limit(identifier: string, opts: { limit: number; windowSeconds: number }): Promise<RateLimitResult>;
  stats(): LimiterStats;
  /** Closes the store's connection. */
  close(): Promise<void>;
};

export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  const { backend } = opts;
  const now = opts.now ?? Date.now;
  const tierWindowMs = (opts.tierWindowSeconds ?? RATE_LIMIT_WINDOW_SECONDS) * 1000;
  const stats: LimiterStats = {
    backend: backend.kind,
    decisions: 0,
    refused: 0,
    degraded: 0,
    failures: 0,
    timeouts: 0,
    errors: 0,
    skipped: 0,
    breakerOpen: false,
    lastError: null,
  };
  const breaker = new Breaker(opts.breakerMs ?? 5000, now);
  // What decides while the store cannot: the in-process counters, same limits (./store-guard.ts).
  const fallback = memoryBackend({ prefix: "fallback", now });
  const store = guardStore({ backend, fallback, timeoutMs: opts.timeoutMs ?? 150, breaker, stats, now, log: opts.log ?? ((m) => console.warn(m)) });
  function decide(identifier: string, limit: number, windowMs: number): Promise<RateLimitResult> {
    stats.decisions++;
    return store.count(identifier, limit, windowMs);
  }

  return {
    limitApiKey({ keyId, tier }) {
      return decide(`key:${keyId}`, opts.tierLimitOverride ?? tierInfo(tier).requestsPerMinute, tierWindowMs);
    },
    limitAccount({ accountId, tier }) {
      return decide(`acct:${accountId}`, opts.tierLimitOverride ?? tierInfo(tier).accountRequestsPerMinute, tierWindowMs);
    },
    async limitKeyAndAccount({ keyId, accountId, tier }) {
      const [key, account] = await store.countPair(
        { identifier: `key:${keyId}`, limit: opts.tierLimitOverride ?? tierInfo(tier).requestsPerMinute, windowMs: tierWindowMs },
        { identifier: `acct:${accountId}`, limit: opts.tierLimitOverride ?? tierInfo(tier).accountRequestsPerMinute, windowMs: tierWindowMs },
      );
      stats.decisions += account ? 2 : 1;
      return { key, account };
    },
    limit(identifier, { limit, windowSeconds }) {
      if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
      if (!Number.isInteger(windowSeconds) || windowSeconds < 1) {
        throw new RangeError(`windowSeconds must be a positive integer, got ${windowSeconds}`);
      }
      return decide(`id:${identifier}`, limit, windowSeconds * 1000);
    },
    stats: () => ({ ...stats, breakerOpen: breaker.isOpen }),
    async close() {
      await backend.close();
      await fallback.close();
    },
  };
}

/** The documented headers for any /v1 response; Retry-After only when refused. */
export function rateLimitHeaders(result: RateLimitResult): Record<string, string> {
  const h: Record<string, string> = {
    [RATE_LIMIT_HEADERS.limit]: String(result.limit),
    [RATE_LIMIT_HEADERS.remaining]: String(result.remaining),
    [RATE_LIMIT_HEADERS.reset]: String(result.resetUnixSeconds),
  };
  if (!result.allowed && result.retryAfterSeconds !== null) h[RATE_LIMIT_HEADERS.retryAfter] = String(result.retryAfterSeconds);
  return h;
}
