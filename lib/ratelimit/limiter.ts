import type { Tier } from "@/db/schema/accounts";
import type { BackendKind, LimiterBackend, WindowDecision } from "./backends";
import { RATE_LIMIT_HEADERS, RATE_LIMIT_WINDOW_SECONDS, tierInfo } from "./tiers";

// The policy around a store: tier lookup, Retry-After, and what happens when the store is
// down or slow (bounded wait, fail open, circuit breaker, counted and logged sparingly).
// See the note at the top of ./index.ts for the reasoning.

export type RateLimitResult = {
  allowed: boolean;
  /** The ceiling for this window. */
  limit: number;
  /** Requests left in this window after this one. */
  remaining: number;
  /** When the window ends: Unix time in whole seconds. */
  resetUnixSeconds: number;
  /** Whole seconds to wait when refused (never 0); null when allowed. */
  retryAfterSeconds: number | null;
  /** True when the store could not be asked in time: allowed without counting. */
  degraded?: boolean;
};

export type LimiterStats = {
  backend: BackendKind;
  /** Every decision asked of this limiter. */
  decisions: number;
  refused: number;
  /** Allowed without a decision from the store (failed, timed out, or skipped by the breaker). */
  degraded: number;
  /** Store calls that failed: timeouts + errors. */
  failures: number;
  timeouts: number;
  errors: number;
  /** Degraded without trying the store, because the breaker was open. */
  skipped: number;
  breakerOpen: boolean;
  lastError: string | null;
  /** Allowed at once with ample headroom left (the store still counted them, after the fact). */
  headroom: number;
};

export type RateLimiterOptions = {
  backend: LimiterBackend;
  /** Longest a request waits for the store before going on unlimited. Default 150 ms. */
  timeoutMs?: number;
  /** After a store failure, skip the store for this long. Default 5000 ms. */
  breakerMs?: number;
  /** Window of the tier limits; only tests change it. Default RATE_LIMIT_WINDOW_SECONDS. */
  tierWindowSeconds?: number;
  /**
   * BENCHMARK ONLY: one requests-per-window ceiling for every key instead of its tier's, so
   * the gateway benchmark's keys still make the store round trip but are never refused.
   * Set from BENCH_RATELIMIT_RPM only when BENCH_PASSTHROUGH=1 (see ./index.ts).
   */
  tierLimitOverride?: number;
  /** Clock for Retry-After and the breaker; must be the clock the store uses. */
  now?: () => number;
  log?: (message: string) => void;
};

export type RateLimiter = {
  limitApiKey(args: { keyId: string; tier: Tier }): Promise<RateLimitResult>;
  limit(identifier: string, opts: { limit: number; windowSeconds: number }): Promise<RateLimitResult>;
  stats(): LimiterStats;
  close(): Promise<void>;
};

class StoreTimeout extends Error {}

/** Headroom admissions of one identifier within this many ms share one store call (see HEADROOM below). */
export const COALESCE_MS = 10;

export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  const { backend } = opts;
  const timeoutMs = opts.timeoutMs ?? 150;
  const breakerMs = opts.breakerMs ?? 5000;
  const tierWindowMs = (opts.tierWindowSeconds ?? RATE_LIMIT_WINDOW_SECONDS) * 1000;
  const now = opts.now ?? Date.now;
  const log = opts.log ?? ((m: string) => console.warn(m));
  const s: LimiterStats = {
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
    headroom: 0,
  };
  // Breaker: 0 = closed. While open every call is degraded at once; when the time is up the
  // next call alone probes the store (half-open) and the others stay degraded until it returns.
  let openUntil = 0;
  let probing = false;

  const ask = (identifier: string, limit: number, windowMs: number, rate: number): Promise<WindowDecision> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new StoreTimeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
      backend.limit(identifier, { limit, windowMs, rate }).then(
        (d) => (clearTimeout(timer), resolve(d)),
        (e) => (clearTimeout(timer), reject(e)), // also swallows a late rejection after a timeout
      );
    });

  function decide(identifier: string, limit: number, windowMs: number): Promise<RateLimitResult> {
    s.decisions++;
    return fromStore(identifier, limit, windowMs, 1, false);
  }

  /**
   * Counts `rate` requests in the store and returns its decision. `admitted`: the requests
   * were already let through (headroom, below) and the call only tells the store about
   * them, so a refusal or a failure is not counted as a refused or degraded request.
   */
  async function fromStore(identifier: string, limit: number, windowMs: number, rate: number, admitted: boolean): Promise<RateLimitResult> {
    // The in-process store cannot fail or stall: no timer, no breaker.
    if (backend.kind === "memory") return toResult(await backend.limit(identifier, { limit, windowMs, rate }), admitted);

    let isProbe = false;
    if (openUntil !== 0) {
      if (now() < openUntil || probing) {
        s.skipped++;
        return degraded(limit, windowMs, admitted);
      }
      probing = isProbe = true;
    }
    try {
      const d = await ask(identifier, limit, windowMs, rate);
      if (isProbe) {
        log(`[ratelimit] ${backend.kind} store answering again; limits enforced (${s.degraded} requests went unlimited in all).`);
        openUntil = 0;
        s.breakerOpen = false;
      }
      return toResult(d, admitted);
    } catch (err) {
      s.failures++;
      if (err instanceof StoreTimeout) s.timeouts++;
      else s.errors++;
      s.lastError = err instanceof Error ? err.message : String(err);
      // Log when the breaker opens or a probe fails: at most once per breakerMs, not per request.
      if (openUntil === 0 || isProbe) {
        log(
          `[ratelimit] ${backend.kind} store unavailable (${s.lastError}); allowing requests unlimited for ${breakerMs} ms. ` +
            `Totals: ${s.failures} failures, ${s.degraded + 1} unlimited requests.`,
        );
      }
      openUntil = now() + breakerMs;
      s.breakerOpen = true;
      return degraded(limit, windowMs, admitted);
    } finally {
      if (isProbe) probing = false;
    }
  }

  // HEADROOM. Every request is counted by the store, but a request need not WAIT for the
  // store's answer when this instance already knows the identifier is far from its limit:
  // the last answer for this window left `remaining`, and the requests this instance has
  // sent since without an answer yet (`unconfirmed`) are subtracted too. While what is left
  // after this request is at least a tenth of the limit (and at least 3), the request goes on
  // at once and its store call completes in the background, refreshing what we know. Near
  // the limit, on a new window, and for a key seen for the first time, every request waits
  // for the store, so the published promises hold: 50 concurrent requests of a fresh Free
  // key still get exactly 10 through, and in one instance the count can never pass the
  // limit (what it admits unasked is bounded by what the store last said was left, minus a
  // tenth). Several instances sharing a key can each admit up to what they last saw left,
  // so near the edge of a window they can overshoot by what the others used meanwhile;
  // this is the price of not putting a store round trip in front of every request.
  //
  // The store calls of requests admitted this way are COALESCED: each identifier's
  // admissions within COALESCE_MS go to the store as one increment of their number (the
  // script's INCRBY takes any amount), so a busy key costs one round trip per COALESCE_MS,
  // not one per request. A request that has to wait first sends the identifier's queued
  // admissions, so the store still sees this instance's increments in decision order.
  // Admissions still queued when their window ends are dropped: the window they would be
  // counted in is over (the store's bucket is the clock's, like `resetMs`). Other instances
  // see this instance's count up to COALESCE_MS late, within the overshoot described above.
  type Known = {
    resetMs: number;
    limit: number;
    windowMs: number;
    remaining: number;
    /** Admitted without waiting and not yet answered by the store (queued or in flight). */
    unconfirmed: number;
    /** Admitted without waiting, not yet sent to the store. */
    queued: number;
    timer: ReturnType<typeof setTimeout> | null;
  };
  const known = new Map<string, Known>();
  const KNOWN_MAX = 50_000;
  const headroomFor = (limit: number) => Math.max(3, Math.ceil(limit / 10));

  /** Sends the identifier's queued admissions; resolves once the store has answered. */
  function sendQueued(identifier: string, entry: Known): Promise<void> {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    const n = entry.queued;
    if (!n) return Promise.resolve();
    entry.queued = 0;
    if (now() >= entry.resetMs) {
      entry.unconfirmed -= n;
      return Promise.resolve();
    }
    return fromStore(identifier, entry.limit, entry.windowMs, n, true).then((r) => {
      entry.unconfirmed -= n;
      learn(identifier, entry.limit, entry.windowMs, r, entry);
    });
  }

  function learn(identifier: string, limit: number, windowMs: number, r: RateLimitResult, entry: Known | undefined): void {
    if (r.degraded) return;
    const resetMs = r.resetUnixSeconds * 1000;
    if (entry && entry.resetMs === resetMs && entry.limit === limit && known.get(identifier) === entry) {
      if (r.remaining < entry.remaining) entry.remaining = r.remaining; // a window's count never drops
      return;
    }
    if (known.size >= KNOWN_MAX) known.clear();
    const prev = known.get(identifier);
    if (prev && prev.resetMs === resetMs && prev.limit === limit) {
      if (r.remaining < prev.remaining) prev.remaining = r.remaining;
    } else if (!prev || prev.resetMs <= resetMs) {
      known.set(identifier, { resetMs, limit, windowMs, remaining: r.remaining, unconfirmed: 0, queued: 0, timer: null });
    }
  }

  async function decideWithHeadroom(identifier: string, limit: number, windowMs: number): Promise<RateLimitResult> {
    if (backend.kind === "memory") return decide(identifier, limit, windowMs);
    const entry = known.get(identifier);
    const t = now();
    if (entry && entry.limit === limit && entry.windowMs === windowMs && entry.resetMs > t && entry.remaining - entry.unconfirmed - 1 >= headroomFor(limit)) {
      entry.unconfirmed++;
      entry.queued++;
      s.decisions++;
      s.headroom++;
      entry.timer ??= setTimeout(() => void sendQueued(identifier, entry), Math.min(COALESCE_MS, entry.resetMs - t));
      entry.timer.unref?.();
      const left = entry.remaining - entry.unconfirmed;
      return { allowed: true, limit, remaining: left, resetUnixSeconds: Math.ceil(entry.resetMs / 1000), retryAfterSeconds: null };
    }
    // The store must see this instance's increments in the order they were decided, or this
    // request could be counted ahead of ones already admitted near the limit (found by
    // tests/integration/ratelimit.test.ts): the queued admissions go first.
    if (entry?.queued) void sendQueued(identifier, entry);
    const r = await decide(identifier, limit, windowMs);
    learn(identifier, limit, windowMs, r, known.get(identifier));
    return r;
  }

  function toResult(d: WindowDecision, admitted = false): RateLimitResult {
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

  function degraded(limit: number, windowMs: number, admitted = false): RateLimitResult {
    if (!admitted) s.degraded++;
    const resetMs = (Math.floor(now() / windowMs) + 1) * windowMs;
    // Not counted anywhere, so nothing is used up as far as we know.
    return { allowed: true, limit, remaining: limit, resetUnixSeconds: Math.ceil(resetMs / 1000), retryAfterSeconds: null, degraded: true };
  }

  return {
    limitApiKey({ keyId, tier }) {
      return decideWithHeadroom(`key:${keyId}`, opts.tierLimitOverride ?? tierInfo(tier).requestsPerMinute, tierWindowMs);
    },
    limit(identifier, { limit, windowSeconds }) {
      if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
      if (!Number.isInteger(windowSeconds) || windowSeconds < 1) {
        throw new RangeError(`windowSeconds must be a positive integer, got ${windowSeconds}`);
      }
      return decide(`id:${identifier}`, limit, windowSeconds * 1000);
    },
    stats: () => ({ ...s }),
    async close() {
      // Counts admitted but not yet sent reach the store before the connection goes.
      await Promise.all([...known].map(([identifier, entry]) => sendQueued(identifier, entry)));
      await backend.close();
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
