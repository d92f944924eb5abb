// The production server (`npm start` runs it; so can a container or a process manager):
//   node scripts/server.mjs [-p PORT] [-H HOSTNAME]
// It runs Next.js's own production server (`next start`, whose instrumentation also serves
// the model API's fixed-path routes straight from node:http, app/v1/direct.ts) in
// WEB_CONCURRENCY processes sharing one port (node:cluster):
//  - WEB_CONCURRENCY unset or 1: one process, this one;
//  - WEB_CONCURRENCY=N (or `auto`: one per core): this process is the primary; it forks N
//    workers, restarts one that dies, and on SIGTERM/SIGINT passes the signal to every worker
//    and exits once they have (0 when every worker stopped cleanly).
// Several workers share state the way several instances do (README, "How it scales out"):
// they need PostgreSQL (DATABASE_URL; the embedded PGlite database belongs to one process)
// and a shared rate-limit store (REDIS_URL or UPSTASH_REDIS_REST_URL), or the per-key limits
// would be counted once per worker. Each worker stops as lib/shutdown.ts describes: it
// drains its open requests and streams, commits its settles, gives back its leases.
import cluster from "node:cluster";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { workerCount } from "./workers.mjs";

const root = path.resolve(import.meta.dirname, "..");
process.chdir(root);
const nextBin = path.join(root, "node_modules/next/dist/bin/next");
// In production every line a server process writes is one JSON object, Next.js's own banner
// included (lib/observability/preload.mjs; it does nothing outside NODE_ENV=production).
const preload = path.join(root, "lib/observability/preload.mjs");
await import(pathToFileURL(preload).href);

const flags = process.argv.slice(2);
const port = flagValue(["-p", "--port"]) ?? process.env.PORT ?? "3000";
const hostname = flagValue(["-H", "--hostname"]);
const nextArgs = ["start", "-p", port, ...(hostname ? ["-H", hostname] : [])];

function flagValue(names) {
  const i = flags.findIndex((f) => names.includes(f));
  return i === -1 ? undefined : flags[i + 1];
}

let n;
try {
  n = workerCount(process.env.WEB_CONCURRENCY, os.availableParallelism());
} catch (err) {
  console.error(`[metered] ${err.message}`);
  process.exit(1);
}
// Signals are this app's to handle (instrumentation-node.ts, lib/shutdown.ts), not Next's,
// whose handler exits as soon as its listener has closed.
process.env.NEXT_MANUAL_SIG_HANDLE = "1";

if (n === 1) {
  process.argv = [process.execPath, nextBin, ...nextArgs];
  await import(nextBin);
} else {
  const missing = [
    !process.env.DATABASE_URL && "DATABASE_URL (PostgreSQL: the embedded PGlite database belongs to one process)",
    !process.env.REDIS_URL && !process.env.UPSTASH_REDIS_REST_URL && "REDIS_URL or UPSTASH_REDIS_REST_URL (the per-key limits every worker must share)",
  ].filter(Boolean);
  if (missing.length) {
    console.error(`[metered] WEB_CONCURRENCY=${process.env.WEB_CONCURRENCY} runs ${n} workers, which needs ${missing.join(" and ")}.`);
    process.exit(1);
  }
  // /metrics answered by any worker sums every worker's registry, gathered here.
  const { setupClusterMetrics } = await import("../lib/observability/cluster-primary.mjs");
  setupClusterMetrics();
  cluster.setupPrimary({ exec: nextBin, args: nextArgs, execArgv: [...process.execArgv, "--import", pathToFileURL(preload).href] });
  let stopping = false;
  let worst = 0;
  const recentDeaths = [];
  console.log(`[metered] starting ${n} workers on port ${port}`);
  for (let i = 0; i < n; i++) cluster.fork();
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) {
      if (code !== 0) worst = 1;
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(worst);
      return;
    }
    console.error(`[metered] worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    const now = Date.now();
    recentDeaths.push(now);
    while (recentDeaths.length && recentDeaths[0] < now - 10_000) recentDeaths.shift();
    if (recentDeaths.length > n * 2) {
      console.error("[metered] workers keep dying at start; giving up");
      process.exit(1);
    }
    cluster.fork();
  });
  const stop = (sig) => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(0);
    for (const w of workers) w.process.kill(sig);
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}
