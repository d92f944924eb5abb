/** Increments of one identifier within this many ms go to the store as one call. */
export const COALESCE_MS = 10;

/** What the coalescer keeps on the caller's per-identifier record. */
export type CoalescedSlot = {
  /** Increments added and not yet sent. */
  queued: number;
  timer: ReturnType<typeof setTimeout> | null;
};

/**
 * Coalesced increments: requests admitted without waiting for the store (./headroom.ts)
 * still have to be counted there, but one store round trip per request would put the
 * store's throughput back in front of every busy key. Each slot's increments within
 * `delayMs` are sent as one increment of their number (the store's INCRBY takes any
 * amount), so a busy key costs one round trip per `delayMs`.
 *
 * The slot lives on the caller's record (no lookup, no allocation per increment: one
 * timer per batch). `flush(slot)` sends a slot's batch at once: a request that has to
 * wait for the store calls it first, so the store sees this instance's increments in the
 * order they were decided. `flushAll()` is for shutdown: nothing admitted is left uncounted.
 */
export class IncrementCoalescer<S extends CoalescedSlot> {
  private readonly pending = new Set<S>();

  constructor(
    /** Sends `n` increments of this slot's identifier; resolves once the store has answered. */
    private readonly send: (slot: S, n: number) => Promise<void>,
    private readonly delayMs: number = COALESCE_MS,
  ) {}

  /** Queues one increment; sends the batch within `delayMs` (or `maxDelayMs`, if sooner). */
  add(slot: S, maxDelayMs: number = this.delayMs): void {
    slot.queued++;
    if (slot.timer) return;
    this.pending.add(slot);
    slot.timer = setTimeout(() => void this.flush(slot), Math.min(this.delayMs, maxDelayMs));
    slot.timer.unref?.();
  }

  /** Sends the slot's queued increments now; resolves once the store has answered them. */
  flush(slot: S): Promise<void> {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    this.pending.delete(slot);
    const n = slot.queued;
    if (!n) return Promise.resolve();
    slot.queued = 0;
    return this.send(slot, n);
  }

  async flushAll(): Promise<void> {
    await Promise.all([...this.pending].map((slot) => this.flush(slot)));
  }
}
