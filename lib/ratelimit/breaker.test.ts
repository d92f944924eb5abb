import { describe, expect, it } from "vitest";
import { Breaker, CALL, PROBE, SKIP } from "./breaker";

describe("breaker", () => {
  it("stays closed while the store answers", () => {
    const b = new Breaker(1000, () => 0);
    for (let i = 0; i < 3; i++) {
      const pass = b.enter();
      expect(pass).toBe(CALL);
      expect(b.succeeded(pass)).toBe(false); // nothing to report
    }
    expect(b.isOpen).toBe(false);
  });

  it("opens on a failure and skips the store for the period; says so once", () => {
    let t = 0;
    const b = new Breaker(1000, () => t);
    expect(b.failed(b.enter())).toBe(true);
    expect(b.isOpen).toBe(true);
    // Concurrent calls that were already in flight fail too: no second report.
    expect(b.failed(CALL)).toBe(false);
    t = 999;
    expect(b.enter()).toBe(SKIP);
  });

  it("after the period exactly one call probes; the others skip until it returns", () => {
    let t = 0;
    const b = new Breaker(1000, () => t);
    b.failed(b.enter());
    t = 1000;
    const probe = b.enter();
    expect(probe).toBe(PROBE);
    expect([b.enter(), b.enter()]).toEqual([SKIP, SKIP]);
    expect(b.succeeded(probe)).toBe(true); // closed: worth one line
    expect(b.isOpen).toBe(false);
    expect(b.enter()).toBe(CALL);
  });

  it("a failed probe opens it for another full period and is reported", () => {
    let t = 0;
    const b = new Breaker(1000, () => t);
    b.failed(b.enter());
    t = 1500;
    const probe = b.enter();
    expect(b.failed(probe)).toBe(true);
    t = 2499;
    expect(b.enter()).toBe(SKIP);
    t = 2500;
    expect(b.enter()).toBe(PROBE);
  });
});
