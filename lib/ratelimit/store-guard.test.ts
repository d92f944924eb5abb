import { describe, expect, it } from "vitest";
import { memoryBackend, type LimiterBackend } from "./backends";
import { Breaker } from "./breaker";
import { guardStore, StoreTimeout, withDeadline } from "./store-guard";
import type { LimiterStats } from "./types";

const emptyStats = (): LimiterStats => ({
  backend: "redis",
  decisions: 0,
  refused: 0,
  degraded: 0,
  failures: 0,
  timeouts: 0,
  errors: 0,
  skipped: 0,
  breakerOpen: false,
  lastError: null,
});

describe("deadline", () => {
  it("passes an answer through, and turns silence into a StoreTimeout", async () => {
    expect(await withDeadline(Promise.resolve(7), 50)).toBe(7);
    await expect(withDeadline(new Promise(() => {}), 5)).rejects.toBeInstanceOf(StoreTimeout);
  });

  it("a rejection after the deadline is swallowed, not unhandled", async () => {
    let fail: (e: Error) => void = () => {};
    const late = new Promise<never>((_, reject) => (fail = reject));
    await expect(withDeadline(late, 5)).rejects.toBeInstanceOf(StoreTimeout);
    fail(new Error("late"));
    await new Promise((r) => setTimeout(r, 5)); // vitest fails the run on an unhandled rejection
  });
});

describe("guarded store: limits degrade to the in-process counters, they do not open", () => {
  function setup(store: LimiterBackend["limit"]) {
    let clock = 1_700_000_040_000; // a minute boundary
    const now = () => clock;
    const stats = emptyStats();
    const logs: string[] = [];
    const guarded = guardStore({
      backend: { kind: "redis", limit: store, close: async () => {} },
      fallback: memoryBackend({ now }),
      timeoutMs: 20,
      breaker: new Breaker(1000, now),
      stats,
      now,
      log: (m) => logs.push(m),
    });
    return { guarded, stats, logs, tick: (ms: number) => (clock += ms) };
  }

  it("a refused connection: the same limit, counted per identifier in-process, honest Retry-After", async () => {
    const { guarded, stats, tick } = setup(() => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6379")));
    tick(15_000);
    const rs = [];
    for (let i = 0; i < 12; i++) rs.push(await guarded.count("key:a", 10, 60_000));
    expect(rs.filter((r) => r.allowed)).toHaveLength(10);
    expect(rs.every((r) => r.degraded)).toBe(true);
    expect(rs[11]).toMatchObject({ allowed: false, limit: 10, remaining: 0, retryAfterSeconds: 46 });
    expect((await guarded.count("key:b", 10, 60_000)).allowed).toBe(true); // another key, its own count
    expect(stats).toMatchObject({ degraded: 13, refused: 2, failures: 1, errors: 1, skipped: 12 });
  });

  it("a store that never answers: decided in-process after the timeout", async () => {
    const { guarded, stats } = setup(() => new Promise(() => {}));
    const r = await guarded.count("key:a", 3, 60_000);
    expect(r).toMatchObject({ allowed: true, degraded: true, remaining: 2 });
    expect(stats).toMatchObject({ timeouts: 1, degraded: 1 });
  });

  it("back to the shared store when it answers again, logged once each way", async () => {
    let down = true;
    const shared = memoryBackend();
    const { guarded, logs, tick } = setup((id, o) => (down ? Promise.reject(new Error("down")) : shared.limit(id, o)));
    await guarded.count("key:a", 10, 60_000);
    down = false;
    tick(1000);
    const r = await guarded.count("key:a", 10, 60_000);
    expect(r.degraded).toBeUndefined();
    expect(r.remaining).toBe(9); // the shared store's own count
    expect(logs).toHaveLength(2);
    expect(logs[1]).toMatch(/answering again/);
  });
});

describe("guarded store: both limits of a request in one store call (countPair)", () => {
  const key = { identifier: "key:k", limit: 2, windowMs: 60_000 };
  const account = { identifier: "acct:a", limit: 3, windowMs: 60_000 };
  function setup(limitPair: NonNullable<LimiterBackend["limitPair"]>) {
    const clock = 1_700_000_040_000;
    const now = () => clock;
    const stats = emptyStats();
    let singleCalls = 0;
    const guarded = guardStore({
      backend: {
        kind: "redis",
        limit: async () => {
          singleCalls++;
          throw new Error("the pair's store call only");
        },
        limitPair,
        close: async () => {},
      },
      fallback: memoryBackend({ now }),
      timeoutMs: 20,
      breaker: new Breaker(1000, now),
      stats,
      now,
      log: () => {},
    });
    return { guarded, stats, singleCalls: () => singleCalls };
  }

  it("uses the store's pair answer: the account is not counted when the key refuses", async () => {
    const { guarded, singleCalls } = setup(async (first) => [{ success: false, limit: first.limit, remaining: 0, resetMs: 1_700_000_100_000 }, null]);
    const [k, a] = await guarded.countPair(key, account);
    expect([k.allowed, a]).toEqual([false, null]);
    expect(k.retryAfterSeconds).toBeGreaterThan(0);
    expect(singleCalls()).toBe(0);
  });

  it("a failing store decides both in-process, in turn (the key first, the account only if the key allowed)", async () => {
    const { guarded, stats } = setup(async () => {
      throw new Error("ECONNREFUSED");
    });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await guarded.countPair(key, account));
    // The key's limit is 2: two allowed (and counted on the account), then refused by the key.
    expect(answers.map(([k, a]) => [k.allowed, a?.allowed ?? null, k.degraded])).toEqual([
      [true, true, true],
      [true, true, true],
      [false, null, true],
      [false, null, true],
    ]);
    // One store failure opened the breaker; the later calls skipped the store.
    expect(stats.failures).toBe(1);
    expect(stats.skipped).toBe(3 + 1); // calls 2–4: their key decisions, plus call 2's account decision
    expect(stats.degraded).toBe(6);
  });
});
