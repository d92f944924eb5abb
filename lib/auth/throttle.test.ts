import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { checkSignInThrottle, clearSignInFailures, delaySeconds, MAX_DELAY_SECONDS, recordSignInFailure } from "./throttle";

// Failed sign-ins slow the next attempt down, per email and per client IP, and never lock
// the owner out for longer than the current delay. Times are passed in, no waiting.

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t?.drop());

const at = (base: number, seconds: number) => new Date(base + seconds * 1000);

describe("progressive sign-in delay", () => {
  it("grows 1, 2, 4 … seconds past the free failures, capped", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 9, 10, 20].map((n) => delaySeconds(n, 3))).toEqual([0, 0, 0, 1, 2, 4, 8, 32, MAX_DELAY_SECONDS, MAX_DELAY_SECONDS]);
  });

  it("per email, from any IP: refuses only until the delay after the latest failure has passed", async () => {
    const email = "victim@example.com";
    const t0 = Date.UTC(2030, 0, 1, 12);
    for (let i = 0; i < 3; i++) await recordSignInFailure(t.db, email, `10.0.0.${i}`, at(t0, i));
    expect(await checkSignInThrottle(t.db, email, "192.0.2.1", at(t0, 2.5))).toEqual({ allowed: true });
    await recordSignInFailure(t.db, email, "10.0.0.9", at(t0, 3)); // 4th: 1 s
    expect(await checkSignInThrottle(t.db, email, "192.0.2.1", at(t0, 3.2))).toEqual({ allowed: false, retryAfterSeconds: 1, reason: "email" });
    expect(await checkSignInThrottle(t.db, email, "192.0.2.1", at(t0, 4.01))).toEqual({ allowed: true });
    for (let i = 0; i < 10; i++) await recordSignInFailure(t.db, email, "10.0.0.9", at(t0, 10 + i)); // 14 failures
    const v = await checkSignInThrottle(t.db, email, "192.0.2.1", at(t0, 19));
    expect(v).toEqual({ allowed: false, retryAfterSeconds: MAX_DELAY_SECONDS, reason: "email" });
    // Never longer than the cap: the owner's correct password is accepted after it.
    expect(await checkSignInThrottle(t.db, email, "192.0.2.1", at(t0, 19 + MAX_DELAY_SECONDS + 0.01))).toEqual({ allowed: true });
    // Other addresses are not slowed down.
    expect(await checkSignInThrottle(t.db, "other@example.com", "192.0.2.1", at(t0, 19))).toEqual({ allowed: true });
    await clearSignInFailures(t.db, email);
    expect(await checkSignInThrottle(t.db, email, "192.0.2.1", at(t0, 20))).toEqual({ allowed: true });
  });

  it("per IP: one address spraying many accounts is slowed down, other IPs are not", async () => {
    const t0 = Date.UTC(2030, 0, 2, 12);
    for (let i = 0; i < 13; i++) await recordSignInFailure(t.db, `spray${i}@example.com`, "198.51.100.7", at(t0, i));
    // 13 failures, 10 free: 4 s after the latest.
    expect(await checkSignInThrottle(t.db, "fresh@example.com", "198.51.100.7", at(t0, 13))).toEqual({ allowed: false, retryAfterSeconds: 3, reason: "ip" });
    expect(await checkSignInThrottle(t.db, "fresh@example.com", "198.51.100.8", at(t0, 13))).toEqual({ allowed: true });
    expect(await checkSignInThrottle(t.db, "fresh@example.com", "198.51.100.7", at(t0, 16.01))).toEqual({ allowed: true });
  });

  it("forgets failures older than an hour", async () => {
    const t0 = Date.UTC(2030, 0, 3, 12);
    for (let i = 0; i < 20; i++) await recordSignInFailure(t.db, "old@example.com", null, at(t0, i));
    expect((await checkSignInThrottle(t.db, "old@example.com", null, at(t0, 30))).allowed).toBe(false);
    expect(await checkSignInThrottle(t.db, "old@example.com", null, at(t0, 3600 + 20))).toEqual({ allowed: true });
  });
});
