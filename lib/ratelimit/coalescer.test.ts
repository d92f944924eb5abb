import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { COALESCE_MS, IncrementCoalescer, type CoalescedSlot } from "./coalescer";

type Slot = CoalescedSlot & { id: string };
const slot = (id: string): Slot => ({ id, queued: 0, timer: null });

describe("coalesced increments", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function recorder() {
    const sent: [string, number][] = [];
    const c = new IncrementCoalescer<Slot>(async (s, n) => void sent.push([s.id, n]));
    return { c, sent };
  }

  it("sends one increment of their number per slot per COALESCE_MS", async () => {
    const { c, sent } = recorder();
    const a = slot("a");
    const b = slot("b");
    for (let i = 0; i < 7; i++) c.add(a);
    c.add(b);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    expect(sent).toEqual([
      ["a", 7],
      ["b", 1],
    ]);
    c.add(a);
    await vi.advanceTimersByTimeAsync(COALESCE_MS);
    expect(sent.at(-1)).toEqual(["a", 1]);
    expect(a).toMatchObject({ queued: 0, timer: null });
  });

  it("sends sooner when asked (the end of the window comes first)", async () => {
    const { c, sent } = recorder();
    c.add(slot("a"), 2);
    await vi.advanceTimersByTimeAsync(2);
    expect(sent).toEqual([["a", 1]]);
  });

  it("flush() sends a slot's batch at once and cancels its timer; nothing twice", async () => {
    const { c, sent } = recorder();
    const a = slot("a");
    c.add(a);
    c.add(a);
    await c.flush(a);
    expect(sent).toEqual([["a", 2]]);
    await vi.advanceTimersByTimeAsync(COALESCE_MS * 3);
    expect(sent).toEqual([["a", 2]]);
    await c.flush(a); // nothing queued: no store call
    expect(sent).toHaveLength(1);
  });

  it("flushAll() (shutdown) sends every queued batch and waits for the store", async () => {
    let answered = 0;
    const c = new IncrementCoalescer<Slot>(async () => {
      await Promise.resolve();
      answered++;
    });
    const slots = ["a", "b", "c"].map(slot);
    for (const s of slots) c.add(s);
    await c.flushAll();
    expect(answered).toBe(3);
    await c.flushAll();
    expect(answered).toBe(3);
  });
});
