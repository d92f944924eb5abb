import type { Counted, LimiterBackend, WindowDecision } from "./backends";
import { SKIP, type Breaker } from "./breaker";
import type { LimiterStats, RateLimitResult } from "./types";

/** A store call abandoned because its answer did not come in time. */
export class StoreTimeout extends Error {}

/**
 * The store's answer, or a StoreTimeout after `timeoutMs`. A late answer changes nothing
 * and a late rejection is swallowed (it must not surface as an unhandled rejection).
 */
export function withDeadline<T>(call: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new StoreTimeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
    call.then(
      (d) => (clearTimeout(timer), resolve(d)),
      (e) => (clearTimeout(timer), reject(e)),
    );
  });
}

export type GuardedStore = {
  /** Counts one request for `identifier` in the store and returns its decision, bounded by the deadline and the breaker. */
  count(identifier: string, limit: number, windowMs: number): Promise<RateLimitResult>;
  /**
   * count() on `first`, then, only if it was allowed, on `second` (null: not counted); one
   * store call when the store counts pairs, under the same deadline, breaker and fallback.
   */
  countPair(first: Counted, second: Counted): Promise<[RateLimitResult, RateLimitResult | null]>;
};

/**
 * The store behind a deadline and a breaker, with an in-process fallback: while the store
 * cannot answer, requests are limited by this instance's own counters with the same
 * limits (the limits then hold per instance, not across instances), never let through
 * unlimited. Decisions made that way say `degraded: true`, so callers that must not rely
 * on a per-instance count (sign-in and sign-up, lib/auth/ip-limits.ts) can refuse instead.
 * Everything that happens counted in
 * `stats` (its `breakerOpen` is read from the breaker by the limiter) and logged sparingly (when the breaker opens, a probe fails, or the store
 * answers again: at most one line per breaker period). The in-process store cannot fail
 * or stall, so it is called as is.
 */
export function guardStore(opts: {
  backend: LimiterBackend;
  /** The in-process counters that decide while the store cannot (same limits, per instance). */
  fallback: LimiterBackend;
  timeoutMs: number;
  breaker: Breaker;
  stats: LimiterStats;
  now: () => number;
  log: (message: string) => void;
}): GuardedStore {
  const { backend, fallback, timeoutMs, breaker, stats: s, now, log } = opts;

  function toResult(d: WindowDecision): RateLimitResult {
    if (!d.success) s.refused++;
    return {
      allowed: d.success,
      limit: d.limit,
      remaining: d.remaining,
      resetUnixSeconds: Math.ceil(d.resetMs / 1000),
      // Fixed windows make this exact: at resetMs a new, empty window begins. The +1 ms lands
      // the wait strictly after it (Upstash's block cache still blocks at now === reset).
      retryAfterSeconds: d.success ? null : Math.max(1, Math.ceil((d.resetMs - now() + 1) / 1000)),
    };
  }

  /** Decided by this instance's own counters: the store failed, timed out or is being skipped. */
  async function fromFallback(identifier: string, limit: number, windowMs: number): Promise<RateLimitResult> {
    s.degraded++;
    const r = toResult(await fallback.limit(identifier, { limit, windowMs, rate: 1 }));
    r.degraded = true;
    return r;
  }

  /** Two calls of `count`, the second only if the first allowed (stores without limitPair). */
  async function inTurn(
    count: (identifier: string, limit: number, windowMs: number) => Promise<RateLimitResult>,
    first: Counted,
    second: Counted,
  ): Promise<[RateLimitResult, RateLimitResult | null]> {
    const a = await count(first.identifier, first.limit, first.windowMs);
    return [a, a.allowed ? await count(second.identifier, second.limit, second.windowMs) : null];
  }

  if (backend.kind === "memory") {
    const count = async (identifier: string, limit: number, windowMs: number) => toResult(await backend.limit(identifier, { limit, windowMs, rate: 1 }));
    return { count, countPair: (first, second) => inTurn(count, first, second) };
  }

  /**
   * The store's call under the breaker and the deadline; `alone` decides in-process when the
   * breaker skips the store (skipped: true) or the call failed or timed out.
   */
  async function guarded<T, R>(call: () => Promise<T>, decided: (d: T) => R, alone: (skipped: boolean) => Promise<R>): Promise<R> {
    const pass = breaker.enter();
    if (pass === SKIP) return alone(true);
    try {
      const d = await withDeadline(call(), timeoutMs);
      if (breaker.succeeded(pass)) {
        log(`[ratelimit] ${backend.kind} store answering again; shared limits back (${s.degraded} decisions were made by this instance alone in all).`);
      }
      return decided(d);
    } catch (err) {
      s.failures++;
      if (err instanceof StoreTimeout) s.timeouts++;
      else s.errors++;
      s.lastError = err instanceof Error ? err.message : String(err);
      if (breaker.failed(pass)) {
        log(
          `[ratelimit] ${backend.kind} store unavailable (${s.lastError}); for ${breaker.periodMs} ms this instance limits on its own ` +
            `(same limits, counted in-process, so per instance). Totals: ${s.failures} failures, ${s.degraded + 1} decisions made alone.`,
        );
      }
      return alone(false);
    }
  }
  /** The fallback's decision, counted as skipped when the breaker kept the store out of it. */
  const alone = (skipped: boolean) => (identifier: string, limit: number, windowMs: number) => {
    if (skipped) s.skipped++;
    return fromFallback(identifier, limit, windowMs);
  };

  const count: GuardedStore["count"] = (identifier, limit, windowMs) =>
    guarded(
      () => backend.limit(identifier, { limit, windowMs, rate: 1 }),
      toResult,
      (skipped) => alone(skipped)(identifier, limit, windowMs),
    );
  const limitPair = backend.limitPair?.bind(backend);
  return {
    count,
    countPair: limitPair
      ? (first, second) =>
          guarded(
            () => limitPair(first, second),
            ([a, b]): [RateLimitResult, RateLimitResult | null] => [toResult(a), b && toResult(b)],
            (skipped) => inTurn(alone(skipped), first, second),
          )
      : (first, second) => inTurn(count, first, second),
  };
}
