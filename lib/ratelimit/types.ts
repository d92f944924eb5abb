import type { BackendKind } from "./backends";

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
  /**
   * True when the shared store could not answer in time and this instance's in-process
   * counters decided instead (same limit, counted per instance).
   */
  degraded?: boolean;
};

export type LimiterStats = {
  backend: BackendKind;
  /** Every decision asked of this limiter. */
  decisions: number;
  refused: number;
  /** Decided by this instance's in-process counters because the store failed, timed out, or was skipped by the breaker. */
  degraded: number;
  /** Store calls that failed: timeouts + errors. */
  failures: number;
  timeouts: number;
  errors: number;
  /** Decided in-process without trying the store, because the breaker was open. */
  skipped: number;
  breakerOpen: boolean;
  lastError: string | null;
};
