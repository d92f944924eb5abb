import { afterEach, describe, expect, it } from "vitest";
import { appOrigin, ConfigError, parseEnv, resetEnvCache } from "./env";

// Issue 13 item 9: APP_URL is required in production, and links are built from it, never
// from the request's Host header there.

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  resetEnvCache();
});

describe("APP_URL", () => {
  it("is required in production, not in development or while next build runs", () => {
    expect(() => parseEnv({ NODE_ENV: "production" })).toThrow(/APP_URL: required in production/);
    expect(parseEnv({ NODE_ENV: "production", APP_URL: "https://api.example.com" }).APP_URL).toBe("https://api.example.com");
    expect(parseEnv({ NODE_ENV: "development" }).APP_URL).toBeUndefined();
    process.env.NEXT_PHASE = "phase-production-build";
    expect(() => parseEnv({ NODE_ENV: "production" })).not.toThrow();
  });

  it("appOrigin: APP_URL whatever the request says; the request's origin only in development", () => {
    Object.assign(process.env, { NODE_ENV: "production", APP_URL: "https://api.example.com/" });
    resetEnvCache();
    expect(appOrigin("http://evil.example/v1/chat/completions")).toBe("https://api.example.com");
    Object.assign(process.env, { NODE_ENV: "development", APP_URL: "" });
    resetEnvCache();
    expect(appOrigin("http://localhost:3000/v1/x")).toBe("http://localhost:3000");
  });

  it("appOrigin refuses to guess in production", () => {
    // A production process without APP_URL never starts (instrumentation validates first);
    // should one get here anyway, it fails rather than echo a Host header.
    Object.assign(process.env, { NODE_ENV: "production", APP_URL: "", NEXT_PHASE: "phase-production-build" });
    resetEnvCache();
    expect(() => appOrigin("http://evil.example/")).toThrow(ConfigError);
  });
});
