import type { LimiterBackend, WindowDecision } from "./backends";
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
  /**
   * Counts `rate` requests for `identifier` in the store and returns its decision, bounded
   * by the deadline and the breaker. `admitted`: the requests were already let through
   * (headroom) and the call only tells the store about them, so a refusal or a failure is
   * not counted as a refused or degraded request.
   */
  count(identifier: string, limit: number, windowMs: number, rate: number, admitted: boolean): Promise<RateLimitResult>;
};

/**
 * The store behind a deadline and a breaker, with an in-process fallback: while the store
 * cannot answer, requests are limited by this instance's own counters with the same
 * limits (the limits then hold per instance, not across instances), never let through
 * unlimited. Decisions made that way say `degraded: true`, so callers that must not rely
 * on a per-instance count (sign-in and sign-up, lib/auth/ip-limits.ts) can refuse instead.
 * Requests already admitted on headroom whose count fails to reach the store are counted
 * in the fallback too. Everything that happens counted in
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

  function toResult(d: WindowDecision, admitted: boolean): RateLimitResult {
    if (!d.success && !admitted) s.refused++;
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
  async function fromFallback(identifier: string, limit: number, windowMs: number, rate: number, admitted: boolean): Promise<RateLimitResult> {
    if (!admitted) s.degraded++;
    const r = toResult(await fallback.limit(identifier, { limit, windowMs, rate }), admitted);
    r.degraded = true;
    return r;
  }

  if (backend.kind === "memory") {
    return { count: async (identifier, limit, windowMs, rate, admitted) => toResult(await backend.limit(identifier, { limit, windowMs, rate }), admitted) };
  }

  return {
    async count(identifier, limit, windowMs, rate, admitted) {
      const pass = breaker.enter();
      if (pass === SKIP) {
        s.skipped++;
        return fromFallback(identifier, limit, windowMs, rate, admitted);
      }
      try {
        const d = await withDeadline(backend.limit(identifier, { limit, windowMs, rate }), timeoutMs);
        if (breaker.succeeded(pass)) {
          log(`[ratelimit] ${backend.kind} store answering again; shared limits back (${s.degraded} decisions were made by this instance alone in all).`);
        }
        return toResult(d, admitted);
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
        return fromFallback(identifier, limit, windowMs, rate, admitted);
      }
    },
  };
}
