// `npm run bench -- streams`: many long streamed chat completions open at once on ONE app
// instance, as LLM traffic looks: few requests per second, each stream open for tens of
// seconds. For each N (BENCH_STREAM_COUNTS, default 500,1000,2000,5000) the load generator
// (its own process, scripts/bench/lib/stream-clients.mjs) opens N streams over
// BENCH_STREAM_RAMP_MS (default N ms: 1,000 new streams a second) against a slow upstream
// (its own process, scripts/bench/lib/slow-upstream.mjs: a chunk every 50 ms for 30 s), and
// this script reports, per N:
//   - errors (non-200, error events, broken or short streams);
//   - RSS growth per open stream: app RSS while all N are open (median of 1 s samples)
//     minus the app's RSS before the run, over N;
//   - event-loop delay p50/p99 inside the app (perf_hooks.monitorEventLoopDelay, from the
//     bench-only preload scripts/bench/lib/loop-delay-preload.cjs), while all N are open;
//   - time to the first content chunk p50/p99 (client side);
//   - the app's CPU while all N are open (% of one core);
//   - billing: for every stream, its usage event's cost = the cost its usage chunk reported
//     = its usage ledger entry; balance = Σ ledger; no reservation left open.
// The baseline of the ratios, the same N in the same run: BENCH_STREAM_BASELINE=upstream
// (default) straight to the slow upstream, no app in between (what the rig itself costs);
// =passthrough through the bare pass-through route on node:http (/bench/passthrough-node,
// needs the bench build); =next the same metered handler as a Next.js route
// (/bench/next-v1, needs the bench build: what serving /v1 beside Next.js changed);
// =forwarder a plain node:http forwarder with no framework, its own process
// (scripts/bench/lib/node-forwarder.mjs: the floor of any Node server in between); =0 none. Also reported: the app's CPU per delivered chunk over
// the whole run (/proc), which depends least on what else the machine is doing.
// With BENCH_STREAM_WORKERS=2 (the default; 0 to skip) each N also runs against a second
// app of two worker processes (scripts/server.mjs, WEB_CONCURRENCY=2, node:cluster on one
// port): 1 vs 2 workers in the same run (no event-loop figures there: the bench preload
// serves one process only; CPU and memory are the whole process tree's).
// Everything runs on one machine: the app, the upstream, the load generator, PostgreSQL
// and Redis share its cores (the doc section says how many, and the load average).
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { rows } from "@/db/rows";
import { auditAccount } from "@/lib/ledger";
import { freePort } from "@/tests/helpers/server";
import { writeDocSection } from "./lib/doc-section";
import {
  appEnv,
  buildApp,
  CHAT_MODEL,
  cpuMs,
  machine,
  median,
  pgVersion,
  quantile,
  rssBytes,
  setupDb,
  startApp,
  startNodeForwarder,
  type Proc,
} from "./lib/gateway-env";

const COUNTS = (process.env.BENCH_STREAM_COUNTS ?? "500,1000,2000,5000").split(",").map(Number);
const CHUNK_GAP_MS = Number(process.env.BENCH_STREAM_GAP_MS ?? 50);
const STREAM_SECONDS = Number(process.env.BENCH_STREAM_SECONDS ?? 30);
const CHUNKS = Math.round((STREAM_SECONDS * 1000) / CHUNK_GAP_MS);
const BASELINE = (process.env.BENCH_STREAM_BASELINE ?? "upstream") as "upstream" | "passthrough" | "next" | "forwarder" | "0";
const BASELINE_LABEL = {
  upstream: "upstream directly",
  passthrough: "pass-through",
  next: "metered, as a Next.js route",
  forwarder: "plain node:http forwarder",
  "0": "",
};
const WORKERS = Number(process.env.BENCH_STREAM_WORKERS ?? 2);
const ROOT = path.resolve(import.meta.dirname, "../..");
const log = (m: string) => console.log(`[bench:streams] ${new Date().toISOString().slice(11, 19)} ${m}`);
const mib = (b: number) => b / 2 ** 20;

type LoopStats = {
  seconds: number;
  loopDelayMs: { p50: number; p99: number; max: number; mean: number };
  cpuMs: number;
  rss: number;
  heapUsed: number;
  handles: number | null;
};
type StreamResult = { status: number; requestId: string | null; ttfcMs: number | null; chunks: number; costMicroUsd: string | null; error: string | null };

async function startSlowUpstream(): Promise<Proc & { url: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, "scripts/bench/lib/slow-upstream.mjs")], {
    env: { ...process.env, BENCH_UPSTREAM_CHUNKS: String(CHUNKS), BENCH_UPSTREAM_GAP_MS: String(CHUNK_GAP_MS) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (c) => reject(new Error(`slow upstream exited (${c}): ${out}`)));
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.stderr!.on("data", (d) => (out += d));
  });
  return {
    process: child,
    pid: child.pid!,
    output: () => out,
    url: `http://127.0.0.1:${port}/v1`,
    stop: () => new Promise<void>((r) => (child.exitCode !== null ? r() : (child.once("exit", () => r()), child.kill("SIGTERM")))),
  };
}

async function loopStats(port: number, reset = false): Promise<LoopStats> {
  return (await fetch(`http://127.0.0.1:${port}/${reset ? "reset" : ""}`)).json() as Promise<LoopStats>;
}

/** One run of N streams against `url`; resolves with the client results and the app figures while all N were open. */
async function runStreams(opts: { url: string; secret: string; n: number; appPid: number; loopPort: number }) {
  const out = path.join(os.tmpdir(), `bench-streams-${process.pid}-${opts.n}-${Date.now()}.json`);
  const body = JSON.stringify({
    model: CHAT_MODEL,
    messages: [{ role: "user", content: "Tell me a long story." }],
    max_tokens: CHUNKS + 100,
    stream: true,
    stream_options: { include_usage: true },
  });
  const rssBefore = rssBytes(opts.appPid);
  const cpuBefore = cpuMs(opts.appPid);
  await loopStats(opts.loopPort, true).catch(() => null);
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, "scripts/bench/lib/stream-clients.mjs"),
      opts.url,
      opts.secret,
      String(opts.n),
      String(Number(process.env.BENCH_STREAM_RAMP_MS ?? opts.n)),
      body,
      out,
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr = (stderr + d).slice(-5000)));
  const plateau: { rss: number[]; startStats?: LoopStats; endStats?: LoopStats; clientCpuStart?: number } = { rss: [] };
  let sampler: ReturnType<typeof setInterval> | undefined;
  const exited = new Promise<number>((resolve) => child.once("exit", (c) => resolve(c ?? -1)));
  let buffered = "";
  child.stdout!.on("data", async (d) => {
    buffered += d;
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    for (const l of lines) {
      if (l === "all-open") {
        log(`  all ${opts.n} streams answered`);
        plateau.startStats = await loopStats(opts.loopPort, true).catch(() => undefined);
        sampler = setInterval(() => plateau.rss.push(rssBytes(opts.appPid)), 1000);
      } else if (l === "first-done") {
        if (sampler) clearInterval(sampler);
        sampler = undefined;
        if (plateau.startStats && !plateau.endStats) plateau.endStats = await loopStats(opts.loopPort).catch(() => undefined);
      }
    }
  });
  const code = await exited;
  if (sampler) clearInterval(sampler);
  // When the first stream ended before the last one was answered (the app fell behind),
  // there was no moment with all N open: the figures then cover the whole run.
  const wholeRun = await loopStats(opts.loopPort).catch(() => undefined);
  if (code !== 0) throw new Error(`load generator exited ${code}: ${stderr}`);
  const report = JSON.parse(fs.readFileSync(out, "utf8")) as { seconds: number; results: StreamResult[] };
  fs.rmSync(out, { force: true });
  return { rssBefore, plateau, report, wholeRun, cpuRunMs: cpuMs(opts.appPid) - cpuBefore };
}

type Row = {
  target: string;
  n: number;
  errors: number;
  errorKinds: string;
  rssBeforeMiB: number;
  rssOpenMiB: number;
  kibPerStream: number;
  loopP50: number;
  loopP99: number;
  loopMax: number;
  plateauSeconds: number;
  cpuPct: number;
  cpuUsPerChunk: number;
  ttfcP50: number;
  ttfcP99: number;
  billed: string;
};

function summarise(target: string, n: number, r: Awaited<ReturnType<typeof runStreams>>, billed: string): Row {
  const res = r.report.results;
  // The upstream reports no cost: only the app's streams must carry one.
  const metered = target.startsWith("metered");
  const bad = res.filter((x) => x.status !== 200 || x.error || x.chunks !== CHUNKS || (metered && x.costMicroUsd === null));
  const kinds = new Map<string, number>();
  for (const b of bad) {
    const k = b.error ? b.error.slice(0, 60) : b.status !== 200 ? `HTTP ${b.status}` : b.chunks !== CHUNKS ? `short stream` : "no usage chunk";
    kinds.set(k, (kinds.get(k) ?? 0) + 1);
  }
  const ttfc = res
    .map((x) => x.ttfcMs)
    .filter((x): x is number => x !== null)
    .sort((a, b) => a - b);
  const s = r.plateau.endStats ?? r.wholeRun;
  const rssOpen = r.plateau.rss.length ? median(r.plateau.rss) : NaN;
  return {
    target,
    n,
    errors: bad.length,
    errorKinds: [...kinds].map(([k, v]) => `${v}× ${k}`).join("; "),
    rssBeforeMiB: mib(r.rssBefore),
    rssOpenMiB: mib(rssOpen),
    kibPerStream: (rssOpen - r.rssBefore) / 1024 / n,
    loopP50: s?.loopDelayMs.p50 ?? NaN,
    loopP99: s?.loopDelayMs.p99 ?? NaN,
    loopMax: s?.loopDelayMs.max ?? NaN,
    plateauSeconds: s?.seconds ?? NaN,
    cpuPct: s ? (s.cpuMs / (s.seconds * 1000)) * 100 : NaN,
    cpuUsPerChunk:
      (r.cpuRunMs * 1000) /
      Math.max(
        1,
        res.reduce((sum, x) => sum + x.chunks, 0),
      ),
    ttfcP50: quantile(ttfc, 0.5),
    ttfcP99: quantile(ttfc, 0.99),
    billed,
  };
}

export default async function streams(): Promise<void> {
  const loadAtStart = os.loadavg();
  const startedAt = new Date();
  buildApp(log);
  const { t, accountId, secrets } = await setupDb(1);
  const upstream = await startSlowUpstream();
  const forwarder = BASELINE === "forwarder" ? await startNodeForwarder(upstream.url) : undefined;
  const loopPort = await freePort();
  const noLoopPort = await freePort(); // nothing listens there: the worker runs report no loop figures
  // The app gets room for every open stream's two sockets (client and upstream).
  const app = await startApp(
    appEnv(t.url!, upstream.url, {
      BENCH_LOOP_PORT: String(loopPort),
      NODE_OPTIONS: `--require ${path.join(ROOT, "scripts/bench/lib/loop-delay-preload.cjs")}`,
    }),
    // e.g. BENCH_APP_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" for a CPU profile of the app (written when it stops)
    process.env.BENCH_APP_NODE_OPTIONS,
  ).catch(async (err) => {
    // An app that does not start must not leave the upstream and the scratch database behind.
    await upstream.stop();
    await t.drop();
    throw err;
  });
  const rowsOut: Row[] = [];
  let app2: (Proc & { url: string }) | undefined;
  try {
    if (WORKERS > 1) app2 = await startApp(appEnv(t.url!, upstream.url), undefined, WORKERS);
    log(
      `app pid ${app.pid}, upstream ${upstream.url}; ulimit -n ${fs.readFileSync(`/proc/${app.pid}/limits`, "utf8").match(/Max open files\s+(\d+)/)?.[1]}; ${CHUNKS} chunks every ${CHUNK_GAP_MS} ms per stream`,
    );
    // Warm-up: a few streams through both routes (compiles, connection pools, leases).
    await runStreams({ url: `${app.url}/v1/chat/completions`, secret: secrets[0], n: 20, appPid: app.pid, loopPort });
    // The workers too (each gets some of them), so neither row pays for a cold start.
    if (app2) await runStreams({ url: `${app2.url}/v1/chat/completions`, secret: secrets[0], n: 40, appPid: app2.pid, loopPort: noLoopPort });
    for (const n of COUNTS) {
      const before = new Set((await rows<{ request_id: string }>(t.db, sql`select request_id from usage_events`)).map((r) => r.request_id));
      log(`N = ${n}: metered path`);
      const r = await runStreams({ url: `${app.url}/v1/chat/completions`, secret: secrets[0], n, appPid: app.pid, loopPort });
      // Billing: wait for the settles, then compare stream by stream.
      let open = -1;
      for (let i = 0; i < 60 && open !== 0; i++) {
        await new Promise((res) => setTimeout(res, 500));
        [{ n: open }] = await rows<{ n: number }>(t.db, sql`select count(*)::int as n from reservations where request_id not like 'lease\\_%'`);
      }
      const events = new Map(
        (await rows<{ request_id: string; cost: string }>(t.db, sql`select request_id, cost_micro_usd::text as cost from usage_events`))
          .filter((e) => !before.has(e.request_id))
          .map((e) => [e.request_id, e.cost]),
      );
      const entries = new Map(
        (
          await rows<{ request_id: string; amount: string }>(
            t.db,
            sql`select request_id, (-amount_micro_usd)::text as amount from ledger_entries where kind = 'usage'`,
          )
        ).map((e) => [e.request_id, e.amount]),
      );
      // Every stream that got its usage chunk: reported cost = its usage event = its ledger
      // entry. Every other new event (streams cut off client-side) = its ledger entry too.
      const ok = r.report.results.filter((x) => x.status === 200 && x.requestId && x.costMicroUsd !== null);
      const mismatched = ok.filter((x) => events.get(x.requestId!) !== x.costMicroUsd || entries.get(x.requestId!) !== x.costMicroUsd).length;
      // A $0 charge (a stream cut off before its first token) writes no ledger entry.
      const unmatchedEvents = [...events].filter(([id, c]) => (entries.get(id) ?? "0") !== c).length;
      const reported = ok.reduce((sum, x) => sum + BigInt(x.costMicroUsd!), 0n);
      const evSum = [...events.values()].reduce((sum, c) => sum + BigInt(c), 0n);
      const audit = await auditAccount(t.db, accountId);
      // Other new events: this run's streams cut off client-side, or earlier streams (the
      // warm-up, the previous N) whose settle committed only after this run began.
      const ours = new Set(r.report.results.map((x) => x.requestId).filter(Boolean));
      const okIds = new Set(ok.map((x) => x.requestId));
      const cutOff = [...events.keys()].filter((id) => ours.has(id) && !okIds.has(id)).length;
      const earlier = [...events.keys()].filter((id) => !ours.has(id)).length;
      const extra = cutOff + earlier;
      const billed =
        mismatched === 0 && unmatchedEvents === 0 && audit.ok && open === 0
          ? `exact: ${ok.length} completed streams, Σ reported = Σ events = Σ ledger = ${reported} µ$${extra ? `; ${cutOff} streams cut off client-side billed for what was sent, ${earlier} settles of earlier streams (warm-up, previous N) committed during this run (Σ of all new events ${evSum} µ$ = Σ their ledger entries)` : ""}`
          : `**NOT exact**: ${mismatched} completed streams mismatched, ${unmatchedEvents} events without an equal ledger entry, ledger ${audit.ok ? "balances" : "BROKEN"}, ${open} open reservations`;
      const row = summarise("metered", n, r, billed);
      rowsOut.push(row);
      log(`  ${JSON.stringify(row)}`);
      if (app2) {
        log(`N = ${n}: metered path, ${WORKERS} workers`);
        const w = await runStreams({ url: `${app2.url}/v1/chat/completions`, secret: secrets[0], n, appPid: app2.pid, loopPort: noLoopPort });
        for (let i = 0; i < 60; i++) {
          const [{ n: open }] = await rows<{ n: number }>(t.db, sql`select count(*)::int as n from reservations where request_id not like 'lease\\_%'`);
          if (open === 0) break;
          await new Promise((res) => setTimeout(res, 500));
        }
        const audit = await auditAccount(t.db, accountId);
        const wrow = summarise(`metered, ${WORKERS} workers`, n, w, `ledger ${audit.ok ? "balances" : "**BROKEN**"} after the run`);
        rowsOut.push(wrow);
        log(`  ${JSON.stringify(wrow)}`);
      }
      if (BASELINE !== "0") {
        const url = {
          upstream: `${upstream.url}/chat/completions`,
          passthrough: `${app.url}/bench/passthrough-node/chat/completions`,
          next: `${app.url}/bench/next-v1/chat/completions`,
          forwarder: `${forwarder?.url}/chat/completions`,
        }[BASELINE];
        log(`N = ${n}: baseline, ${BASELINE_LABEL[BASELINE]}`);
        const pid = BASELINE === "upstream" ? upstream.pid : BASELINE === "forwarder" ? forwarder!.pid : app.pid;
        const b = await runStreams({ url, secret: secrets[0], n, appPid: pid, loopPort });
        const brow = summarise(BASELINE_LABEL[BASELINE], n, b, BASELINE === "next" ? "not checked (the metered row is)" : "n/a (not metered)");
        if (BASELINE === "upstream" || BASELINE === "forwarder") Object.assign(brow, { loopP50: NaN, loopP99: NaN, loopMax: NaN, cpuPct: NaN });
        rowsOut.push(brow);
        log(`  ${JSON.stringify(brow)}`);
      }
    }
  } finally {
    await app.stop();
    await app2?.stop();
    await forwarder?.stop();
    await upstream.stop();
    const pg = await pgVersion(t).catch(() => "PostgreSQL");
    await t.drop();
    if (rowsOut.length) writeDoc(rowsOut, loadAtStart, startedAt, pg);
  }
}

function writeDoc(rowsOut: Row[], loadAtStart: number[], startedAt: Date, pg: string) {
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "–");
  const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(" / ");
  const table = [
    "| N | target | errors | RSS before → all open (MiB) | KiB per open stream | event-loop delay p50 / p99 / max (ms) | CPU while all open (% of a core) | CPU per delivered chunk (µs) | first chunk p50 / p99 (ms) | billed exactly |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ...rowsOut.map(
      (r) =>
        `| ${r.n} | ${r.target} | ${r.errors}${r.errorKinds ? ` (${r.errorKinds})` : ""} | ${f(r.rssBeforeMiB, 0)} → ${f(r.rssOpenMiB, 0)} | ${f(r.kibPerStream)} | ${f(r.loopP50)} / ${f(r.loopP99)} / ${f(r.loopMax, 0)} | ${f(r.cpuPct, 0)} | ${f(r.cpuUsPerChunk, 0)} | ${f(r.ttfcP50)} / ${f(r.ttfcP99)} | ${r.billed} |`,
    ),
  ].join("\n");
  const ratios =
    BASELINE !== "0"
      ? [
          "",
          `Ratios to the baseline (${{ upstream: "the same N straight to the upstream", passthrough: "the bare pass-through route", next: "the metered handler as a Next.js route", forwarder: "a plain node:http forwarder" }[BASELINE]}) at the same N, same run (metered / baseline): first chunk p50 and p99${BASELINE !== "upstream" ? ", CPU per chunk, KiB per stream" : ""}:`,
          "",
          ...COUNTS.map((n) => {
            const m = rowsOut.find((r) => r.n === n && r.target === "metered");
            const b = rowsOut.find((r) => r.n === n && !r.target.startsWith("metered"));
            if (!m || !b) return `- N = ${n}: not measured`;
            return `- N = ${n}: first chunk ${f(m.ttfcP50 / b.ttfcP50, 1)}× / ${f(m.ttfcP99 / b.ttfcP99, 1)}×${BASELINE !== "upstream" ? `, CPU per chunk ${f(m.cpuUsPerChunk / b.cpuUsPerChunk, 2)}×, memory ${f(m.kibPerStream / b.kibPerStream, 2)}×` : ""}; errors ${m.errors} vs ${b.errors}`;
          }),
        ].join("\n")
      : "";
  const workerLines = rowsOut.some((r) => r.target.startsWith("metered, "))
    ? [
        "",
        `${WORKERS} worker processes vs 1 (WEB_CONCURRENCY=${WORKERS} / 1), same N, same run: first chunk p50, CPU per chunk, KiB per stream:`,
        "",
        ...COUNTS.map((n) => {
          const one = rowsOut.find((r) => r.n === n && r.target === "metered");
          const many = rowsOut.find((r) => r.n === n && r.target.startsWith("metered, "));
          if (!one || !many) return `- N = ${n}: not measured`;
          return `- N = ${n}: first chunk ${f(many.ttfcP50 / one.ttfcP50, 2)}×, CPU per chunk ${f(many.cpuUsPerChunk / one.cpuUsPerChunk, 2)}×, memory ${f(many.kibPerStream / one.kibPerStream, 2)}×; errors ${many.errors} vs ${one.errors}`;
        }),
      ].join("\n")
    : "";
  const body = [
    `Command: \`npm run bench -- streams\` (BENCH_STREAM_COUNTS=${COUNTS.join(",")} BENCH_STREAM_BASELINE=${BASELINE}${process.env.BENCH_DIST_DIR ? ` BENCH_DIST_DIR=${process.env.BENCH_DIST_DIR}` : ""}; each stream ${CHUNKS} chunks, one every ${CHUNK_GAP_MS} ms; N streams opened over N ms)  `,
    `Machine: ${machine()}; load average (1/5/15 min) at start ${la(loadAtStart)}, at end ${la(os.loadavg())}. The app, the slow upstream, the load generator (separate processes), ${pg} and Redis all share these cores, and so did other work: compare within the run.  `,
    `Measured: ${startedAt.toISOString().slice(0, 16)} UTC. Figures "while all N are open": from the moment the last stream got its answer to the moment the first one ended; when the first ended before the last was answered (the app fell behind), event-loop delay and CPU cover the whole run and RSS is not sampled.`,
    "",
    table,
    ratios,
    workerLines,
  ].join("\n");
  console.log("\n" + body + "\n");
  if (process.env.BENCH_NO_DOC !== "1") writeDocSection("streams", "## Long streams: N concurrent streamed completions on one instance", body);
}
