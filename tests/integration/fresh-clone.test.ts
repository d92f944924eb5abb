import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The README's two commands one after the other on one clone: `npm ci && npm start`, stop,
// then `npm ci && npm test`. `npm start`'s `next build` first checks tsconfig.json and
// rewrites it (its own layout, one array item a line) when an entry it wants is missing
// (`.next/dev/types/**/*.ts` was): the clone was left dirty and the test run's format step
// (`prettier --check .`) failed. Here, on a copy of this tree (its files as git sees them,
// node_modules linked): the same TypeScript set-up step `next build` runs (`next typegen`
// runs that step and the route types, without compiling the app), then the format check,
// and nothing tracked has changed.

const ROOT = path.resolve(import.meta.dirname, "../..");
let clone: string;
const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: clone, encoding: "utf8" });

beforeAll(() => {
  clone = fs.mkdtempSync(path.join(os.tmpdir(), "metered-clone-"));
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const f of files) {
    const from = path.join(ROOT, f);
    if (!fs.existsSync(from)) continue; // deleted in the working tree
    fs.mkdirSync(path.dirname(path.join(clone, f)), { recursive: true });
    fs.copyFileSync(from, path.join(clone, f));
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(clone, "node_modules"));
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "clone");
});
afterAll(() => {
  if (clone) fs.rmSync(clone, { recursive: true, force: true });
});

describe("a fresh clone: npm start's build, then npm test's format check", () => {
  it("next's TypeScript set-up leaves tsconfig.json as committed, and prettier --check . passes", { timeout: 240_000 }, () => {
    // npm start's own build directory, .next (no NEXT_DIST_DIR).
    const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production", NEXT_DIST_DIR: undefined };
    const before = fs.readFileSync(path.join(clone, "tsconfig.json"), "utf8");
    const typegen = spawnSync(process.execPath, ["node_modules/next/dist/bin/next", "typegen"], { cwd: clone, env, encoding: "utf8", timeout: 120_000 });
    expect(typegen.status, typegen.stdout + typegen.stderr).toBe(0);
    expect(typegen.stdout).not.toMatch(/include was updated/);
    expect(fs.readFileSync(path.join(clone, "tsconfig.json"), "utf8")).toBe(before);
    expect(git("status", "--porcelain")).toBe("");

    const prettier = spawnSync(process.execPath, ["node_modules/prettier/bin/prettier.cjs", "--check", "."], {
      cwd: clone,
      encoding: "utf8",
      timeout: 200_000,
    });
    expect(prettier.status, prettier.stdout + prettier.stderr).toBe(0);
  });
});
