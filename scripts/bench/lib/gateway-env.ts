import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { rows } from "@/db/rows";
import { grant } from "@/lib/ledger";
import { createTestDb, type TestDb } from "@/tests/helpers/db";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { freePort } from "@/tests/helpers/server";

// What the gateway benchmark and the soak share: a scratch PostgreSQL database with a Paid
// account holding plenty of credit, the bench upstream as its own process, the app built
// into .next-bench and served by `next start` in production mode, and /proc readers for
// the CPU time and RSS of a process tree.

const ROOT = path.resolve(import.meta.dirname, "../../..");
// BENCH_DIST_DIR=.next-test runs a bench on the test build (no bench routes in it).
export const BENCH_DIST_DIR = process.env.BENCH_DIST_DIR ?? ".next-bench";
const SOURCE_DIRS = ["app", "lib", "db", "components", "proxy.ts", "instrumentation.ts", "instrumentation-node.ts", "next.config.js"];

export const CHAT_MODEL = "bench/chat";
export const UPSTREAM_MODELS = JSON.stringify([
  {
    id: CHAT_MODEL,
    modality: "chat",
    upstreamModel: "bench-upstream",
    pricing: { inputMicroUsdPerMTokens: 2_000_000, outputMicroUsdPerMTokens: 8_000_000 },
    limits: { contextTokens: 8192, maxOutputTokens: 2048, defaultMaxTokens: 256 },
  },
]);

function newestMtime(p: string): number {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return /\.test\.tsx?$/.test(p) ? 0 : st.mtimeMs;
  let n = 0;
  for (const e of fs.readdirSync(p)) n = Math.max(n, newestMtime(path.join(p, e)));
  return n;
}

/** `next build` into .next-bench unless a build newer than every source file is there. */
export function buildApp(log: (m: string) => void): void {
  const id = path.join(ROOT, BENCH_DIST_DIR, "BUILD_ID");
  if (fs.existsSync(id) && SOURCE_DIRS.every((d) => newestMtime(path.join(ROOT, d)) <= fs.statSync(id).mtimeMs)) {
    log(`reusing the build in ${BENCH_DIST_DIR} (newer than every source file)`);
    return;
  }
  log(`next build into ${BENCH_DIST_DIR} …`);
  const t0 = Date.now();
  execFileSync(process.execPath, [path.join(ROOT, "node_modules/next/dist/bin/next"), "build"], {
    cwd: ROOT,
    env: {
      ...process.env,
      NEXT_DIST_DIR: BENCH_DIST_DIR,
      NEXT_TELEMETRY_DISABLED: "1",
      NODE_ENV: "production",
      NEXT_SKIP_TYPECHECK: "1",
      METERED_BENCH_ROUTES: "1",
    },
    stdio: ["ignore", "pipe", "inherit"],
    timeout: 15 * 60_000,
    maxBuffer: 64 * 2 ** 20,
  });
  log(`built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

export type Proc = { process: ChildProcess; pid: number; output: () => string; stop: () => Promise<void> };

function track(child: ChildProcess): Proc {
  let output = "";
  child.stdout?.on("data", (d) => (output = (output + d).slice(-200_000)));
  child.stderr?.on("data", (d) => (output = (output + d).slice(-200_000)));
  return {
    process: child,
    pid: child.pid!,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const t = setTimeout(() => child.kill("SIGKILL"), 15_000);
        child.once("exit", () => (clearTimeout(t), resolve()));
        child.kill("SIGTERM");
      }),
  };
}

export async function startUpstream(): Promise<Proc & { url: string }> {
  return startListener("scripts/bench/lib/upstream-server.mjs", "bench upstream", process.env);
}

/** The plain-Node forwarder to `upstreamUrl` (scripts/bench/lib/node-forwarder.mjs), its own process. */
export async function startNodeForwarder(upstreamUrl: string): Promise<Proc & { url: string }> {
  return startListener("scripts/bench/lib/node-forwarder.mjs", "node forwarder", { ...process.env, UPSTREAM_BASE_URL: upstreamUrl });
}

async function startListener(script: string, name: string, env: NodeJS.ProcessEnv): Promise<Proc & { url: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, script)], { stdio: ["ignore", "pipe", "pipe"], env });
  const p = track(child);
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (c) => reject(new Error(`${name} exited (${c}): ${p.output()}`)));
    child.stdout!.on("data", () => {
      const m = /listening (\d+)/.exec(p.output());
      if (m) resolve(Number(m[1]));
    });
  });
  return { ...p, url: `http://127.0.0.1:${port}/v1` };
}

/** `next start` from .next-bench on a free loopback port; resolves once it answers. */
export async function startApp(env: Record<string, string>, nodeOptions?: string, workers?: number): Promise<Proc & { url: string }> {
  const port = await freePort();
  // With `workers`, the production server entry (scripts/server.mjs: a node:cluster primary and
  // that many `next start` workers on one port); CPU and memory are then the whole tree's.
  const entry = workers
    ? [path.join(ROOT, "scripts/server.mjs"), "-p", String(port), "-H", "127.0.0.1"]
    : [path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"];
  if (workers) env = { ...env, WEB_CONCURRENCY: String(workers) };
  const child = spawn(process.execPath, [...(nodeOptions ? nodeOptions.split(/\s+/) : []), ...entry], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      APP_URL: `http://127.0.0.1:${port}`,
      ...env,
      NEXT_DIST_DIR: BENCH_DIST_DIR,
      PORT: String(port),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const p = track(child);
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited (${child.exitCode}):\n${p.output()}`);
    try {
      await fetch(url + "/v1/models");
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return { ...p, url };
}

/** Bench database: one Paid account with $1,000,000 of credit and `keys` API keys. */
export async function setupDb(keys = 1): Promise<{ t: TestDb; accountId: string; secrets: string[] }> {
  const t = await createTestDb({ maxConnections: 4 });
  if (t.kind !== "postgres" || !t.url) throw new Error("the gateway benchmark needs PostgreSQL at 127.0.0.1:5432");
  const first = await makeAccountWithKey(t.db, { tier: "paid" });
  const secrets = [first.secret];
  const { createApiKey } = await import("@/lib/api-keys");
  for (let i = 1; i < keys; i++)
    secrets.push((await createApiKey(t.db, { accountId: first.accountId, userId: first.userId, name: `bench-${i}`, maxKeys: keys })).secret);
  await grant(t.db, { accountId: first.accountId, amountMicroUsd: 1_000_000n * 1_000_000n, reference: "bench:credit", description: "bench credit" });
  return { t, accountId: first.accountId, secrets };
}

export function appEnv(dbUrl: string, upstreamUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    DATABASE_URL: dbUrl,
    // BENCH_REDIS_URL="" runs the in-process limiter instead (to isolate Redis's share).
    REDIS_URL: process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379",
    AUTH_SECRET: crypto.randomBytes(32).toString("hex"),
    UPSTREAM_BASE_URL: upstreamUrl,
    UPSTREAM_API_KEY: "bench-upstream-key",
    UPSTREAM_MODELS,
    BENCH_PASSTHROUGH: "1",
    // Every key counted in Redis as usual, never refused (lib/ratelimit/index.ts).
    BENCH_RATELIMIT_RPM: "1000000000",
    // Production refuses to start without it (lib/email/config.ts); the benches send no mail.
    SMTP_URL: "smtp://127.0.0.1:9",
    ...extra,
  };
  if (!env.REDIS_URL) delete env.REDIS_URL;
  return env;
}

// ---- /proc readers ----------------------------------------------------------------------

const TICK_MS = 1000 / Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim() || 100);

function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      (children.get(ppid) ?? children.set(ppid, []).get(ppid)!).push(Number(e));
    } catch {}
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]) ?? []));
  return out;
}

/** utime + stime of a process and its descendants, in ms. */
export function cpuMs(pid: number): number {
  let ticks = 0;
  for (const p of descendants(pid)) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]); // fields 14 and 15 of proc(5)
    } catch {}
  }
  return ticks * TICK_MS;
}

/** Resident set size of a process and its descendants, in bytes. */
export function rssBytes(pid: number): number {
  let kb = 0;
  for (const p of descendants(pid)) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, "utf8"));
      if (m) kb += Number(m[1]);
    } catch {}
  }
  return kb * 1024;
}

export async function pgVersion(t: TestDb): Promise<string> {
  return (await rows<{ v: string }>(t.db, sql`select version() as v`))[0].v.split(",")[0];
}

export function machine(): string {
  return `${os.cpus().length} cores (${os.cpus()[0]?.model?.trim() ?? "?"}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${os.release()}, Node ${process.version}`;
}

export const median = (xs: number[]) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
export const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
