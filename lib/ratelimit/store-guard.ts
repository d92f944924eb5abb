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
  /** Counts one request for `identifier` in the store and returns its decision, bounded by the deadline and the breaker. */
  count(identifier: string, limit: number, windowMs: number): Promise<RateLimitResult>;
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

  if (backend.kind === "memory") {
    return { count: async (identifier, limit, windowMs) => toResult(await backend.limit(identifier, { limit, windowMs, rate: 1 })) };
  }

  return {
    async count(identifier, limit, windowMs) {
      const pass = breaker.enter();
      if (pass === SKIP) {
        s.skipped++;
        return fromFallback(identifier, limit, windowMs);
      }
      try {
        const d = await withDeadline(backend.limit(identifier, { limit, windowMs, rate: 1 }), timeoutMs);
        if (breaker.succeeded(pass)) {
          log(`[ratelimit] ${backend.kind} store answering again; shared limits back (${s.degraded} decisions were made by this instance alone in all).`);
        }
        return toResult(d);
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
        return fromFallback(identifier, limit, windowMs);
      }
    },
  };
}
