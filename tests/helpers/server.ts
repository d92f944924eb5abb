import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { vi } from "vitest";
import { BUILD_SOURCES, newestSourceMtime } from "../../scripts/build-sources.mjs";

// Runs the real app: `next build` into .next-test (once, and again only when sources
// changed since), then `next start` on a free loopback port with the given environment.
// Builds are serialised across test processes with flock.

const ROOT = path.resolve(import.meta.dirname, "../..");
export const TEST_DIST_DIR = ".next-test";

function buildIsFresh(): boolean {
  const id = path.join(ROOT, TEST_DIST_DIR, "BUILD_ID");
  if (!fs.existsSync(id)) return false;
  const built = fs.statSync(id).mtimeMs;
  return newestSourceMtime(ROOT) <= built;
}

/** Builds the app into .next-test unless a build newer than every source file is there. */
export function buildOnce(): void {
  if (buildIsFresh()) return;
  // Re-checked under the lock: another test process may have just built it.
  const script =
    `test -f ${TEST_DIST_DIR}/BUILD_ID && [ -z "$(find ${BUILD_SOURCES.join(" ")} -newer ${TEST_DIST_DIR}/BUILD_ID ` +
    `-type f -not -name '*.test.ts' 2>/dev/null | head -1)" ] || npx next build`;
  try {
    execFileSync("flock", ["/tmp/next-test-build.lock", "sh", "-c", script], {
      cwd: ROOT,
      env: { ...process.env, NEXT_DIST_DIR: TEST_DIST_DIR, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 10 * 60_000,
    });
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    const tail = `${e.stdout ?? ""}\n${e.stderr ?? ""}`.trim().split("\n").slice(-40).join("\n");
    throw new Error(`next build into ${TEST_DIST_DIR} failed:\n${tail}`);
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export type RunningServer = { url: string; port: number; process: ChildProcess; output: () => string; stop: () => Promise<void> };

/**
 * How the server is started: `next` runs `next start` itself (Next.js's own signal handling);
 * `server` runs the production server entry (scripts/server.mjs: WEB_CONCURRENCY workers);
 * `npm-start` runs what `npm start` runs (scripts/start.mjs, which starts scripts/server.mjs).
 */
export type StartVia = "next" | "server" | "npm-start";

function command(via: StartVia, port: number): [string, string[]] {
  if (via === "next") return [path.join(ROOT, "node_modules/.bin/next"), ["start", "-p", String(port), "-H", "127.0.0.1"]];
  if (via === "server") return [process.execPath, [path.join(ROOT, "scripts/server.mjs"), "-p", String(port), "-H", "127.0.0.1"]];
  return [process.execPath, [path.join(ROOT, "scripts/start.mjs")]];
}

/** The app on a free port (`next start` unless `via` says otherwise); resolves once it answers HTTP. */
export async function startServer(env: Record<string, string | undefined>, { via = "next" }: { via?: StartVia } = {}): Promise<RunningServer> {
  buildOnce();
  const port = await freePort();
  let output = "";
  const [cmd, args] = command(via, port);
  const child = spawn(cmd, args, {
    cwd: ROOT,
    // APP_URL is required in production (lib/env.ts); a test may pass its own, or "" to go without.
    // So is SMTP_URL (lib/email/config.ts): tests that read mail pass a sink's URL
    // (devtools/mail-sink), the rest send to a closed port (failures are logged, not fatal).
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      APP_URL: `http://127.0.0.1:${port}`,
      SMTP_URL: "smtp://127.0.0.1:9",
      ...env,
      NEXT_DIST_DIR: TEST_DIST_DIR,
      PORT: String(port),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  // Answering, or exited: whichever comes first.
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`next start exited (${code}):\n${output}`))));
  exited.catch(() => {}); // stop() ends it normally later
  await Promise.race([vi.waitFor(() => fetch(url + "/v1/models"), { timeout: 90_000, interval: 200 }), exited]);
  return {
    url,
    port,
    process: child,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
