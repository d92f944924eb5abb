import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "./breaker";

// The per-provider breaker on a hand-driven clock: closed until `failures` consecutive
// failures, then open (skipped) for the cool-down, then one probe at a time (half-open).

function breaker(failures = 3, cooldownMs = 1_000) {
  let now = 0;
  const b = new CircuitBreaker({ failures, cooldownMs }, () => now);
  return { b, advance: (ms: number) => void (now += ms) };
}

describe("provider circuit breaker", () => {
  it("stays closed below the threshold; a success resets the count", () => {
    const { b } = breaker(3);
    b.failure();
    b.failure();
    b.success();
    b.failure();
    b.failure();
    expect(b.state).toBe("closed");
    expect(b.tryAcquire()).toBe(true);
  });

  it("opens after `failures` consecutive failures, for the cool-down", () => {
    const { b, advance } = breaker(3, 1_000);
    for (let i = 0; i < 3; i++) b.failure();
    expect(b.state).toBe("open");
    expect(b.tryAcquire()).toBe(false);
    advance(999);
    expect(b.tryAcquire()).toBe(false);
    advance(1);
    expect(b.state).toBe("half-open");
  });

  it("half-open lets one probe through at a time: success closes it, failure reopens it for another cool-down", () => {
    const { b, advance } = breaker(2, 1_000);
    b.failure();
    b.failure();
    advance(1_000);
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false); // the probe is out
    b.failure();
    expect(b.state).toBe("open");
    advance(1_000);
    expect(b.tryAcquire()).toBe(true);
    b.success();
    expect(b.state).toBe("closed");
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(true);
  });

  it("a probe that ended with no verdict (client left) frees the probe without closing", () => {
    const { b, advance } = breaker(1, 10);
    b.failure();
    advance(10);
    expect(b.tryAcquire()).toBe(true);
    b.release();
    expect(b.state).toBe("half-open");
    expect(b.tryAcquire()).toBe(true);
  });
});
