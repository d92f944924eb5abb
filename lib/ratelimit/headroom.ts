import type { CoalescedSlot } from "./coalescer";

/**
 * Headroom: what this instance knows about an identifier's current window, so that a
 * request need not WAIT for the store when the identifier is known to be far from its
 * limit. Every request is still counted by the store (./coalescer.ts sends the count in
 * the background); this only decides whether the answer must be awaited first.
 *
 * Known: the last answer for this window left `remaining`, and the requests this instance
 * has admitted since without an answer yet (`unconfirmed`) are subtracted too. While what
 * is left after this request is at least a tenth of the limit (and at least 3), the
 * request goes on at once. Near the limit, on a new window, and for an identifier seen for
 * the first time, every request waits for the store, so the published promises hold: 50
 * concurrent requests of a fresh Free key still get exactly 10 through, and in one
 * instance the count can never pass the limit (what it admits unasked is bounded by what
 * the store last said was left, minus a tenth). Several instances sharing a key can each
 * admit up to what they last saw left, so near the edge of a window they can overshoot by
 * what the others used meanwhile: the price of not putting a store round trip in front of
 * every request.
 */
export type KnownWindow = CoalescedSlot & {
  readonly identifier: string;
  /** When the window ends (Unix ms): the store's bucket is the clock's. */
  resetMs: number;
  limit: number;
  windowMs: number;
  /** Left after the store's lowest answer for this window. A window's count never drops. */
  remaining: number;
  /** Admitted without waiting and not yet answered by the store (queued or in flight). */
  unconfirmed: number;
};

/** The part of a store answer headroom learns from. */
export type StoreAnswer = { remaining: number; resetUnixSeconds: number; degraded?: boolean };

/** Requests that must stay unpromised below the last known remaining count. */
export const headroomFor = (limit: number) => Math.max(3, Math.ceil(limit / 10));

export class HeadroomBook {
  private readonly known = new Map<string, KnownWindow>();

  /** Past this many identifiers the book starts over (they are relearnt on their next request). */
  constructor(private readonly maxEntries = 50_000) {}

  get(identifier: string): KnownWindow | undefined {
    return this.known.get(identifier);
  }

  /**
   * Admits one request without waiting when the identifier is known to have ample room in
   * the current window: returns its record (now counting this request as unconfirmed), or
   * null when the request must wait for the store.
   */
  admit(identifier: string, limit: number, windowMs: number, nowMs: number): KnownWindow | null {
    const e = this.known.get(identifier);
    if (!e || e.limit !== limit || e.windowMs !== windowMs || e.resetMs <= nowMs) return null;
    if (e.remaining - e.unconfirmed - 1 < headroomFor(limit)) return null;
    e.unconfirmed++;
    return e;
  }

  /** `n` admitted requests were answered by the store (`answer`), or dropped (null). */
  confirm(entry: KnownWindow, n: number, answer: StoreAnswer | null): void {
    entry.unconfirmed -= n;
    if (answer) this.learn(entry.identifier, entry.limit, entry.windowMs, answer, entry);
  }

  /** Takes in a store answer for this identifier; `entry` is the record the call was made for, if any. */
  learn(identifier: string, limit: number, windowMs: number, r: StoreAnswer, entry: KnownWindow | undefined): void {
    if (r.degraded) return; // not the store's count
    const resetMs = r.resetUnixSeconds * 1000;
    if (entry && entry.resetMs === resetMs && entry.limit === limit && this.known.get(identifier) === entry) {
      if (r.remaining < entry.remaining) entry.remaining = r.remaining; // answers can arrive out of order
      return;
    }
    if (this.known.size >= this.maxEntries) this.known.clear();
    const prev = this.known.get(identifier);
    if (prev && prev.resetMs === resetMs && prev.limit === limit) {
      if (r.remaining < prev.remaining) prev.remaining = r.remaining;
    } else if (!prev || prev.resetMs <= resetMs) {
      this.known.set(identifier, { identifier, resetMs, limit, windowMs, remaining: r.remaining, unconfirmed: 0, queued: 0, timer: null });
    }
  }
}
