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
 * The store behind a deadline and a breaker, with everything that happens counted in
 * `stats` (its `breakerOpen` is read from the breaker by the limiter) and logged sparingly (when the breaker opens, a probe fails, or the store
 * answers again: at most one line per breaker period). The in-process store cannot fail
 * or stall, so it is called as is.
 */
export function guardStore(opts: {
  backend: LimiterBackend;
  timeoutMs: number;
  breaker: Breaker;
  stats: LimiterStats;
  now: () => number;
  log: (message: string) => void;
}): GuardedStore {
  const { backend, timeoutMs, breaker, stats: s, now, log } = opts;

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

  function degraded(limit: number, windowMs: number, admitted: boolean): RateLimitResult {
    if (!admitted) s.degraded++;
    const resetMs = (Math.floor(now() / windowMs) + 1) * windowMs;
    // Not counted anywhere, so nothing is used up as far as we know.
    return { allowed: true, limit, remaining: limit, resetUnixSeconds: Math.ceil(resetMs / 1000), retryAfterSeconds: null, degraded: true };
  }

  if (backend.kind === "memory") {
    return { count: async (identifier, limit, windowMs, rate, admitted) => toResult(await backend.limit(identifier, { limit, windowMs, rate }), admitted) };
  }

  return {
    async count(identifier, limit, windowMs, rate, admitted) {
      const pass = breaker.enter();
      if (pass === SKIP) {
        s.skipped++;
        return degraded(limit, windowMs, admitted);
      }
      try {
        const d = await withDeadline(backend.limit(identifier, { limit, windowMs, rate }), timeoutMs);
        if (breaker.succeeded(pass)) {
          log(`[ratelimit] ${backend.kind} store answering again; limits enforced (${s.degraded} requests went unlimited in all).`);
        }
        return toResult(d, admitted);
      } catch (err) {
        s.failures++;
        if (err instanceof StoreTimeout) s.timeouts++;
        else s.errors++;
        s.lastError = err instanceof Error ? err.message : String(err);
        if (breaker.failed(pass)) {
          log(
            `[ratelimit] ${backend.kind} store unavailable (${s.lastError}); allowing requests unlimited for ${breaker.periodMs} ms. ` +
              `Totals: ${s.failures} failures, ${s.degraded + 1} unlimited requests.`,
          );
        }
        return degraded(limit, windowMs, admitted);
      }
    },
  };
}

