// @module-tag pglite
import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { memoryBackend } from "@/lib/ratelimit/backends";
import { createRateLimiter } from "@/lib/ratelimit/limiter";
import { authIpLimits, checkSignInIp, checkSignupIp, DEFAULT_SIGNINS_PER_MINUTE, DEFAULT_SIGNUPS_PER_HOUR, signupWouldCreate } from "./ip-limits";

// The IP limits run on the same limiter as the API; here on its in-process store with a
// fake clock, so a whole hour passes without waiting.

function fakeLimiter(startMs: number) {
  const clock = { t: startMs };
  const now = () => clock.t;
  const limiter = createRateLimiter({ backend: memoryBackend({ now }), now });
  return { clock, limitFn: limiter.limit.bind(limiter) };
}

describe("per-IP limits on sign-up and sign-in", () => {
  it("defaults to 5 sign-ups an hour and 20 sign-in attempts a minute; env overrides both", () => {
    expect(DEFAULT_SIGNUPS_PER_HOUR).toBe(5);
    expect(DEFAULT_SIGNINS_PER_MINUTE).toBe(20);
    expect(authIpLimits(parseEnv({}))).toEqual({
      signup: { limit: 5, windowSeconds: 3600 },
      signin: { limit: 20, windowSeconds: 60 },
    });
    const e = parseEnv({ SIGNUP_LIMIT_PER_HOUR: "1000", SIGNIN_LIMIT_PER_MINUTE: "500" });
    expect(authIpLimits(e).signup.limit).toBe(1000);
    expect(authIpLimits(e).signin.limit).toBe(500);
    expect(() => parseEnv({ SIGNUP_LIMIT_PER_HOUR: "0" })).toThrow(/SIGNUP_LIMIT_PER_HOUR/);
  });

  it("lets 5 sign-ups through per IP per hour, refuses the 6th with an honest wait, and starts over after", async () => {
    const start = Date.UTC(2030, 0, 1, 12, 0, 0); // on an hour boundary
    const { clock, limitFn } = fakeLimiter(start + 10 * 60_000); // 12:10
    const limits = authIpLimits(parseEnv({}));
    for (let i = 0; i < 5; i++) expect(await checkSignupIp("203.0.113.7", { limits, limitFn })).toEqual({ allowed: true });
    const refused = await checkSignupIp("203.0.113.7", { limits, limitFn });
    expect(refused.allowed).toBe(false);
    if (refused.allowed) return;
    expect(refused.retryAfterSeconds).toBe(50 * 60 + 1); // the window ends at 13:00
    expect(refused.message).toBe("Too many sign-ups from your network: at most 5 per hour. Try again in 51 minutes.");
    expect(refused.reason).toBe("limit");
    // Another address is counted separately.
    expect(await checkSignupIp("203.0.113.8", { limits, limitFn })).toEqual({ allowed: true });
    // Waiting Retry-After lets the next one through.
    clock.t += refused.retryAfterSeconds * 1000;
    expect(await checkSignupIp("203.0.113.7", { limits, limitFn })).toEqual({ allowed: true });
  });

  it("counts every sign-in attempt per IP per minute, separately from sign-ups", async () => {
    const { clock, limitFn } = fakeLimiter(Date.UTC(2030, 0, 1, 12, 0, 30));
    const limits = authIpLimits(parseEnv({}));
    for (let i = 0; i < 20; i++) expect((await checkSignInIp("198.51.100.1", { limits, limitFn })).allowed).toBe(true);
    const refused = await checkSignInIp("198.51.100.1", { limits, limitFn });
    expect(refused).toEqual({
      allowed: false,
      reason: "limit",
      retryAfterSeconds: 31,
      message: "Too many sign-in attempts from your network: at most 20 per minute. Try again in 31 seconds.",
    });
    expect((await checkSignupIp("198.51.100.1", { limits, limitFn })).allowed).toBe(true);
    clock.t += 31_000;
    expect((await checkSignInIp("198.51.100.1", { limits, limitFn })).allowed).toBe(true);
  });

  it("uses the app's own limiter by default (configured numbers from the environment)", async () => {
    const ip = `192.0.2.${Math.floor(Math.random() * 250)}-${Date.now()}`;
    const limits = { signup: { limit: 2, windowSeconds: 3600 }, signin: { limit: 3, windowSeconds: 60 } };
    expect((await checkSignupIp(ip, { limits })).allowed).toBe(true);
    expect((await checkSignupIp(ip, { limits })).allowed).toBe(true);
    expect((await checkSignupIp(ip, { limits })).allowed).toBe(false);
  });

  it("does not limit when the client address is unknown", async () => {
    const { limitFn } = fakeLimiter(Date.now());
    const limits = { signup: { limit: 1, windowSeconds: 3600 }, signin: { limit: 1, windowSeconds: 60 } };
    for (let i = 0; i < 3; i++) expect(await checkSignupIp(null, { limits, limitFn })).toEqual({ allowed: true });
  });

  it("only forms that would create an account count towards the sign-up limit", () => {
    expect(signupWouldCreate({ email: "a@example.com", password: "correct horse battery" })).toBe(true);
    expect(signupWouldCreate({ email: "a@example.com", password: "short" })).toBe(false);
    expect(signupWouldCreate({ email: "a@example.com", password: "aaaaaaaaaaaa" })).toBe(false);
    expect(signupWouldCreate({ email: "not-an-email", password: "correct horse battery" })).toBe(false);
  });

  it("fails closed: when the shared store cannot answer, sign-ins and sign-ups are refused, saying why", async () => {
    // The real limiter on a store that refuses connections: API traffic would be decided by
    // the in-process counters; these limits must not rely on a per-instance count.
    const down = createRateLimiter({
      backend: { kind: "redis", limit: () => Promise.reject(new Error("connect ECONNREFUSED")), close: async () => {} },
      log: () => {},
    });
    const limitFn = down.limit.bind(down);
    const limits = authIpLimits(parseEnv({}));
    for (const check of [checkSignupIp, checkSignInIp]) {
      const v = await check("203.0.113.9", { limits, limitFn });
      expect(v).toMatchObject({ allowed: false, reason: "unavailable", retryAfterSeconds: 30 });
      if (!v.allowed) expect(v.message).toMatch(/^Sign-(up|in) is paused for a moment: .* not answering\. Try again in 30 seconds\.$/);
    }
    expect(down.stats()).toMatchObject({ degraded: 2, failures: 1 });
  });
});
