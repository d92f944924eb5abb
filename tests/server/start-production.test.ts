import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { buildOnce, freePort, TEST_DIST_DIR } from "@/tests/helpers/server";

// Issue 13 items 1 and 3 as an operator runs it: `npm start` (scripts/start.mjs) with
// NODE_ENV=production. The development conveniences of the embedded defaults, the local
// mail sink and the Stripe test emulator, are never started; without SMTP_URL the app
// refuses to start, naming the setting; with it, the app runs with payments off.

const ROOT = path.resolve(import.meta.dirname, "../..");
let t: TestDb;

beforeAll(async () => {
  buildOnce(); // start.mjs then finds a build newer than the sources and does not build
  t = await createTestDb();
}, 15 * 60_000);

afterAll(async () => {
  await t?.drop();
});

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });

/** Runs `npm start`'s script until it exits or prints `until`; then checks the side ports, and stops it. */
async function npmStart(env: Record<string, string>, until: string | null) {
  const [port, smtp, inbox, emulator] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SMTP_URL|STRIPE_|APP_URL|AUTH_URL|NEXT_PUBLIC_)/.test(k))) as Record<
    string,
    string
  >;
  const child = spawn(process.execPath, ["scripts/start.mjs"], {
    cwd: ROOT,
    env: {
      ...clean,
      NODE_ENV: "production",
      NEXT_DIST_DIR: TEST_DIST_DIR,
      PORT: String(port),
      MAIL_SINK_SMTP_PORT: String(smtp),
      MAIL_SINK_HTTP_PORT: String(inbox),
      STRIPE_EMULATOR_PORT: String(emulator),
      DATABASE_URL: t.url!,
      AUTH_SECRET: "start-production-secret-start-production-01",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (c) => (output += c));
  child.stderr.on("data", (c) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const outcome = await Promise.race([
    exited.then((code) => ({ code })),
    new Promise<{ code: "running" }>((resolve) => {
      const tick = setInterval(() => {
        if (until && output.includes(until)) {
          clearInterval(tick);
          resolve({ code: "running" });
        }
      }, 100);
      exited.then(() => clearInterval(tick));
    }),
  ]);
  const sidePorts = { mailSink: (await listening(smtp)) || (await listening(inbox)), emulator: await listening(emulator) };
  let answer: Response | null = null;
  if (outcome.code === "running") answer = await fetch(`http://127.0.0.1:${port}/`).catch(() => null);
  child.kill("SIGTERM");
  await exited;
  return { ...outcome, output, sidePorts, answer };
}

describe("`npm start` with NODE_ENV=production", () => {
  it("without SMTP_URL: refuses to start, naming the setting; no mail sink, no emulator", async () => {
    const r = await npmStart({ APP_URL: "https://metered.example" }, null);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("SMTP_URL: required in production");
    expect(r.output).toContain("payments are off (no emulator started)");
    expect(r.sidePorts).toEqual({ mailSink: false, emulator: false });
  }, 120_000);

  it("with SMTP_URL: runs with payments off; still no mail sink, no emulator", async () => {
    const r = await npmStart({ APP_URL: "https://metered.example", SMTP_URL: "smtp://127.0.0.1:9" }, "Metered is running");
    expect(r.code, r.output).toBe("running");
    expect(r.output).toContain("payments off");
    expect(r.output).not.toContain("development inbox");
    expect(r.sidePorts).toEqual({ mailSink: false, emulator: false });
    expect(r.answer?.status).toBe(200);
  }, 120_000);
});
