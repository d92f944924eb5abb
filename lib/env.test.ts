import { afterEach, describe, expect, it, vi } from "vitest";
import { parseEnv } from "./env";

// Issue 13 item 9: APP_URL is required in production, and links are built from it, never
// from the request's Host header there.

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

/** A fresh copy of ./env, which parses process.env as it is now (env() caches the first parse). */
async function freshEnv() {
  vi.resetModules();
  return import("./env");
}

describe("APP_URL", () => {
  it("is required in production, not in development or while next build runs", () => {
    expect(() => parseEnv({ NODE_ENV: "production" })).toThrow(/APP_URL: required in production/);
    expect(parseEnv({ NODE_ENV: "production", APP_URL: "https://api.example.com" }).APP_URL).toBe("https://api.example.com");
    expect(parseEnv({ NODE_ENV: "development" }).APP_URL).toBeUndefined();
    process.env.NEXT_PHASE = "phase-production-build";
    expect(() => parseEnv({ NODE_ENV: "production" })).not.toThrow();
  });

  it("appOrigin: APP_URL whatever the request says; the request's origin only in development", async () => {
    Object.assign(process.env, { NODE_ENV: "production", APP_URL: "https://api.example.com/" });
    expect((await freshEnv()).appOrigin("http://evil.example/v1/chat/completions")).toBe("https://api.example.com");
    Object.assign(process.env, { NODE_ENV: "development", APP_URL: "" });
    expect((await freshEnv()).appOrigin("http://localhost:3000/v1/x")).toBe("http://localhost:3000");
  });

  it("appOrigin refuses to guess in production", async () => {
    // A production process without APP_URL never starts (instrumentation validates first);
    // should one get here anyway, it fails rather than echo a Host header.
    Object.assign(process.env, { NODE_ENV: "production", APP_URL: "", NEXT_PHASE: "phase-production-build" });
    const { appOrigin, ConfigError } = await freshEnv();
    expect(() => appOrigin("http://evil.example/")).toThrow(ConfigError);
  });
});

describe("FREE_CREDIT_EXPIRES_DAYS", () => {
  it("is a whole number of days from 0 (never) to 36500, validated like the other variables", () => {
    expect(parseEnv({ FREE_CREDIT_EXPIRES_DAYS: "30" }).FREE_CREDIT_EXPIRES_DAYS).toBe(30);
    expect(parseEnv({ FREE_CREDIT_EXPIRES_DAYS: "0" }).FREE_CREDIT_EXPIRES_DAYS).toBe(0);
    expect(parseEnv({}).FREE_CREDIT_EXPIRES_DAYS).toBeUndefined();
    expect(() => parseEnv({ FREE_CREDIT_EXPIRES_DAYS: "-1" })).toThrow(/FREE_CREDIT_EXPIRES_DAYS/);
    expect(() => parseEnv({ FREE_CREDIT_EXPIRES_DAYS: "1.5" })).toThrow(/FREE_CREDIT_EXPIRES_DAYS/);
    expect(() => parseEnv({ FREE_CREDIT_EXPIRES_DAYS: "soon" })).toThrow(/FREE_CREDIT_EXPIRES_DAYS/);
  });

  it("sets when promotional credit expires (0: never)", async () => {
    Object.assign(process.env, { FREE_CREDIT_EXPIRES_DAYS: "30" });
    vi.resetModules();
    const { promotionalExpiry, freeCreditExpiresDays } = await import("./ledger/credit-kinds");
    expect(freeCreditExpiresDays()).toBe(30);
    const at = new Date("2026-01-01T00:00:00Z");
    expect(promotionalExpiry(at)?.toISOString()).toBe("2026-01-31T00:00:00.000Z");
    expect(promotionalExpiry(at, 0)).toBeNull();
  });
});
