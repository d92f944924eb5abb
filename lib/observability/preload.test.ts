import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// lib/observability/preload.mjs in a real process: with NODE_ENV=production every line on
// stdout and stderr is a JSON object (text written by anyone becomes {"level","msg"}, a
// multi-line write stays one object, JSON lines pass through untouched); without it,
// nothing changes.

const PRELOAD = path.resolve(import.meta.dirname, "preload.mjs");
const SCRIPT = [
  `console.log("\\u001b[32m▲ Next.js\\u001b[39m banner");`,
  `console.error(new Error("boom"));`,
  `process.stdout.write(JSON.stringify({ level: "info", msg: "from pino" }) + "\\n");`,
  `process.emitWarning("a warning");`,
].join("\n");

const run = (nodeEnv: "production" | "development") =>
  promisify(execFile)(process.execPath, ["--import", PRELOAD, "-e", SCRIPT], { env: { ...process.env, NODE_ENV: nodeEnv } });

describe("preload.mjs", () => {
  it("in production, turns every write into one JSON line", async () => {
    const { stdout, stderr } = await run("production");
    const lines = [...stdout.split("\n"), ...stderr.split("\n")].filter((l) => l !== "");
    const parsed = lines.map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(parsed).toHaveLength(4);
    expect(parsed).toContainEqual(expect.objectContaining({ level: "info", msg: "▲ Next.js banner" }));
    expect(parsed).toContainEqual({ level: "info", msg: "from pino" });
    const err = parsed.find((p) => p.msg.startsWith("Error: boom"))!;
    expect(err.level).toBe("error");
    expect(err.msg).toMatch(/\n\s+at /); // the stack, inside the one object
    expect(parsed.some((p) => p.level === "error" && p.msg.includes("a warning"))).toBe(true);
  });

  it("outside production, leaves the output alone", async () => {
    const { stdout } = await run("development");
    expect(stdout).toContain("▲ Next.js");
    expect(() => JSON.parse(stdout.split("\n")[0])).toThrow();
  });
});
