import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { workerCount } from "../../scripts/workers.mjs";

// WEB_CONCURRENCY (scripts/server.mjs): how many worker processes, and what several need.

const ROOT = path.resolve(import.meta.dirname, "../..");

describe("WEB_CONCURRENCY", () => {
  it("unset or empty is 1, auto is one per core, a number is that many; anything else is refused by name", () => {
    expect(workerCount(undefined, 8)).toBe(1);
    expect(workerCount("", 8)).toBe(1);
    expect(workerCount("auto", 16)).toBe(16);
    expect(workerCount("auto", 0)).toBe(1);
    expect(workerCount("4", 2)).toBe(4);
    for (const bad of ["0", "-1", "two", "1.5", "257"]) expect(() => workerCount(bad, 2)).toThrow(/^WEB_CONCURRENCY: must be a whole number/);
  });

  it("several workers without PostgreSQL and a shared limit store: the server refuses to start, naming both", () => {
    const env: NodeJS.ProcessEnv = { ...process.env, WEB_CONCURRENCY: "2", DATABASE_URL: undefined, REDIS_URL: undefined, UPSTASH_REDIS_REST_URL: undefined };
    const r = spawnSync(process.execPath, [path.join(ROOT, "scripts/server.mjs"), "-p", "9"], { env, encoding: "utf8", timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/WEB_CONCURRENCY=2 runs 2 workers, which needs DATABASE_URL .* and REDIS_URL or UPSTASH_REDIS_REST_URL/);
    const bad = spawnSync(process.execPath, [path.join(ROOT, "scripts/server.mjs")], {
      env: { ...env, WEB_CONCURRENCY: "lots" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/WEB_CONCURRENCY: must be a whole number/);
  });
});
