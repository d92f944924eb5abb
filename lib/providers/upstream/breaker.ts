// A small circuit breaker per provider: after `failures` consecutive failures the provider
// is skipped for `cooldownMs`, so a provider that is down does not cost every request a
// timeout before its fallback is tried. After the cool-down one request at a time probes it
// (half-open): a success closes the breaker, a failure opens it for another cool-down.
// The breaker only orders the attempts: when every provider of a model is open, routing
// still tries them (lib/providers/upstream/routing.ts), so a breaker never refuses alone.

export type BreakerOptions = { failures: number; cooldownMs: number };

export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openUntil = 0;
  private probing = false;

  constructor(
    private readonly options: BreakerOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** "closed": use it; "open": skip it; "half-open": cooled down, one probe may go. */
  get state(): "closed" | "open" | "half-open" {
    if (this.consecutiveFailures < this.options.failures) return "closed";
    return this.now() < this.openUntil ? "open" : "half-open";
  }

  /** May a request go to this provider now? Claims the probe when half-open. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === "closed") return true;
    if (state === "open" || this.probing) return false;
    this.probing = true;
    return true;
  }

  success(): void {
    this.consecutiveFailures = 0;
    this.openUntil = 0;
    this.probing = false;
  }

  /** The request ended without telling anything about the provider (our client left): frees the probe. */
  release(): void {
    this.probing = false;
  }

  failure(): void {
    this.probing = false;
    this.consecutiveFailures++;
    if (this.consecutiveFailures >= this.options.failures) this.openUntil = this.now() + this.options.cooldownMs;
  }
}
