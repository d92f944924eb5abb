/**
 * A circuit breaker for the limiter's store: after a failure (an error or a timeout) the
 * store is skipped for `periodMs`, so a dead Redis costs one timeout per period instead
 * of one per request. When the period is over, the next call alone probes the store
 * (half-open) while the others keep skipping it until the probe returns; a successful
 * probe closes the breaker, a failed one opens it for another period.
 *
 * Per call: `enter()` before the store call, then `succeeded(pass)` or `failed(pass)`
 * with what `enter()` returned. No allocation: a pass is a small integer.
 */
export class Breaker {
  /** 0 while closed; otherwise when the store may be tried again (ms, on `now`). */
  private openUntil = 0;
  private probing = false;

  constructor(
    readonly periodMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get isOpen(): boolean {
    return this.openUntil !== 0;
  }

  /** SKIP: do not call the store. CALL: closed, call it. PROBE: this call tests a store that failed. */
  enter(): BreakerPass {
    if (this.openUntil === 0) return CALL;
    if (this.probing || this.now() < this.openUntil) return SKIP;
    this.probing = true;
    return PROBE;
  }

  /** The store answered. True when this closed the breaker (worth one log line). */
  succeeded(pass: BreakerPass): boolean {
    if (pass !== PROBE) return false;
    this.probing = false;
    this.openUntil = 0;
    return true;
  }

  /**
   * The store failed. True when this opened the breaker or a probe failed: at most once
   * per period, so callers log on it rather than per request.
   */
  failed(pass: BreakerPass): boolean {
    const worthSaying = this.openUntil === 0 || pass === PROBE;
    if (pass === PROBE) this.probing = false;
    this.openUntil = this.now() + this.periodMs;
    return worthSaying;
  }
}

export const SKIP = 0;
export const CALL = 1;
export const PROBE = 2;
export type BreakerPass = typeof SKIP | typeof CALL | typeof PROBE;
