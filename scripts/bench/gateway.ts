// `npm run bench -- gateway`: what the metered path costs on top of Next.js itself.
//
// On loopback: the bench upstream (scripts/bench/lib/upstream-server.mjs, its own process),
// the app built into .next-bench and served by `next start` (production mode) on a scratch
// PostgreSQL database and the real Redis, and these targets, loaded in alternating rounds
// (a, b, c, a, b, c, …) so drift in the machine's load hits all three alike:
//   (a) the upstream directly;
//   (b) the bare pass-through, app/bench/passthrough/chat/completions (only with
//       BENCH_PASSTHROUGH=1): a route handler that forwards to the upstream, the floor;
//   (b′) the same bare pass-through over node:http with a keep-alive agent instead of
//       fetch(), app/bench/passthrough-node/chat/completions: the upstream client the
//       metered path uses (lib/providers/upstream/client.ts), so the metered path can be
//       compared with a floor that does not pay fetch()'s extra CPU either;
//   (c₀) the full metered handler as a Next.js route, app/bench/next-v1/chat/completions:
//       what the metered path cost before /v1 was served beside Next.js;
//   (c) the full metered path, /v1/chat/completions, served straight from node:http
//       (app/v1/direct.ts): key auth, rate limit (a Redis round trip; the bench keys'
//       ceiling is raised via BENCH_RATELIMIT_RPM so they are never refused), reservation,
//       upstream call, settlement, usage event;
//   (d) a plain node:http forwarder with no framework, its own process
//       (scripts/bench/lib/node-forwarder.mjs): the floor for serving beside Next.js;
//   (c₂) the full metered path again, on a second app running two worker processes
//       (scripts/server.mjs, WEB_CONCURRENCY=2): 1 vs 2 workers in the same run.
// For concurrency 1 and 32: requests/s, p50, p99 and CPU per request (utime+stime of the
// server's process tree from /proc: the app for (b) and (c), the upstream for (a)). Then
// streamed requests one at a time: time to first `data:` chunk and whether chunks arrive
// one per read (never buffered). Medians over rounds; ratios are (c)/(b) per round, then
// the median. Writes its section of docs/benchmarks.md.
//
// Env: BENCH_ROUNDS (5), BENCH_SECONDS (5 per round), BENCH_STREAMS (40 per target per
// round), BENCH_CONNECTIONS ("1,32"), BENCH_NODE_OPTIONS (e.g. "--cpu-prof
// --cpu-prof-dir=/tmp/prof" for the app), BENCH_NO_DOC=1 to leave docs/benchmarks.md alone,
// BENCH_HEADERS (JSON) sent on every request to every target, e.g. '{"accept-encoding":
// "gzip, deflate"}' as the openai SDKs send it.
import os from "node:os";
import { sql } from "drizzle-orm";
import { rows } from "@/db/rows";
import { auditAccount } from "@/lib/ledger";
import { appEnv, buildApp, CHAT_MODEL, cpuMs, machine, median, pgVersion, setupDb, startApp, startNodeForwarder, startUpstream } from "./lib/gateway-env";
import { writeDocSection } from "./lib/doc-section";
import { load, streamOnce, type StreamSample, type Target } from "./lib/load";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 40);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? "1,32").split(",").map(Number);
const EXTRA_HEADERS = JSON.parse(process.env.BENCH_HEADERS ?? "{}") as Record<string, string>;
const log = (m: string) => console.log(`[bench:gateway] ${m}`);

type Name = "a" | "d" | "b" | "n" | "m" | "c" | "w";
const NAMES: Name[] = ["a", "d", "b", "n", "m", "c", "w"];
const LABEL: Record<Name, string> = {
  a: "(a) upstream directly",
  d: "(d) plain node:http forwarder, no framework",
  b: "(b) bare pass-through route (fetch)",
  n: "(b′) bare pass-through route (node:http)",
  m: "(c₀) full metered path as a Next.js route",
  c: "(c) full metered path, /v1 served beside Next.js",
  w: "(c₂) full metered path, 2 worker processes (WEB_CONCURRENCY=2)",
};
type Round = { rps: number; p50: number; p99: number; cpuPerReq: number; failed: number };

export default async function gateway(): Promise<void> {
  const loadAtStart = os.loadavg();
  buildApp(log);
  const { t, accountId, secrets } = await setupDb(1);
  const upstream = await startUpstream();
  const forwarder = await startNodeForwarder(upstream.url);
  const app = await startApp(appEnv(t.url!, upstream.url), process.env.BENCH_NODE_OPTIONS);
  const app2 = await startApp(appEnv(t.url!, upstream.url), process.env.BENCH_NODE_OPTIONS, 2);
  log(`app pid ${app.pid} at ${app.url}, 2-worker app pid ${app2.pid} at ${app2.url}, upstream pid ${upstream.pid} at ${upstream.url}`);
  try {
    const plain = JSON.stringify({ model: CHAT_MODEL, messages: [{ role: "user", content: "Say something short." }], max_tokens: 64 });
    const streamed = JSON.stringify({
      model: CHAT_MODEL,
      messages: [{ role: "user", content: "Say something short." }],
      max_tokens: 64,
      stream: true,
      stream_options: { include_usage: true },
    });
    const auth = { ...EXTRA_HEADERS, authorization: `Bearer ${secrets[0]}` };
    const targets = (body: string): Record<Name, Target> => ({
      a: { url: `${upstream.url}/chat/completions`, headers: EXTRA_HEADERS, body },
      d: { url: `${forwarder.url}/chat/completions`, headers: EXTRA_HEADERS, body },
      b: { url: `${app.url}/bench/passthrough/chat/completions`, headers: EXTRA_HEADERS, body },
      n: { url: `${app.url}/bench/passthrough-node/chat/completions`, headers: EXTRA_HEADERS, body },
      m: { url: `${app.url}/bench/next-v1/chat/completions`, headers: auth, body },
      c: { url: `${app.url}/v1/chat/completions`, headers: auth, body },
      w: { url: `${app2.url}/v1/chat/completions`, headers: auth, body },
    });
    const plainTargets = targets(plain);
    const streamTargets = targets(streamed);
    const pidFor = (n: Name) => (n === "a" ? upstream.pid : n === "d" ? forwarder.pid : n === "w" ? app2.pid : app.pid);

    // Sanity: every target answers, and the metered one bills.
    for (const n of NAMES) {
      const r = await fetch(plainTargets[n].url, { method: "POST", headers: { "content-type": "application/json", ...plainTargets[n].headers }, body: plain });
      const j = (await r.json()) as { usage?: { cost_micro_usd?: number } };
      if (r.status !== 200) throw new Error(`${LABEL[n]} answered ${r.status}: ${JSON.stringify(j)}`);
      if ((n === "c" || n === "m" || n === "w") && !j.usage?.cost_micro_usd) throw new Error(`the metered path did not bill: ${JSON.stringify(j)}`);
    }
    log("warm-up");
    for (const n of NAMES) await load(plainTargets[n], { connections: 32, seconds: 3 });
    for (const n of NAMES) for (let i = 0; i < 10; i++) await streamOnce(streamTargets[n]);

    const results: Record<number, Record<Name, Round[]>> = {};
    for (const c of CONNECTIONS) {
      results[c] = { a: [], d: [], b: [], n: [], m: [], c: [], w: [] };
      for (let r = 0; r < ROUNDS; r++) {
        for (const n of NAMES) {
          const pid = pidFor(n);
          const cpu0 = cpuMs(pid);
          const res = await load(plainTargets[n], { connections: c, seconds: SECONDS });
          const cpu = cpuMs(pid) - cpu0;
          results[c][n].push({ rps: res.rps, p50: res.p50, p99: res.p99, cpuPerReq: cpu / Math.max(1, res.ok), failed: res.failed });
        }
        const x = results[c];
        log(
          `c=${c} round ${r + 1}: ` +
            NAMES.map((n) => `${n} ${x[n].at(-1)!.rps.toFixed(0)}/s p50 ${x[n].at(-1)!.p50.toFixed(2)} ms cpu ${x[n].at(-1)!.cpuPerReq.toFixed(3)} ms`).join(
              " | ",
            ),
        );
      }
    }

    const streams: Record<Name, StreamSample[][]> = { a: [], d: [], b: [], n: [], m: [], c: [], w: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const n of NAMES) {
        const samples: StreamSample[] = [];
        for (let i = 0; i < STREAMS; i++) samples.push(await streamOnce(streamTargets[n]));
        streams[n].push(samples);
      }
      log(`streams round ${r + 1}: ` + NAMES.map((n) => `${n} ttfc ${median(streams[n].at(-1)!.map((s) => s.ttfc)).toFixed(2)} ms`).join(" | "));
    }

    // Let the last settles land, then check the money.
    await new Promise((r) => setTimeout(r, 2000));
    const audit = await auditAccount(t.db, accountId);
    const [{ events, open }] = await rows<{ events: string; open: string }>(
      t.db,
      sql`select (select count(*) from usage_events)::text as events, (select count(*) from reservations)::text as open`,
    );

    // ---- report --------------------------------------------------------------------------
    const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
    const lines: string[] = [];
    lines.push("| concurrency | target | requests/s | p50 ms | p99 ms | CPU ms/request | failed |");
    lines.push("|---|---|---:|---:|---:|---:|---:|");
    for (const c of CONNECTIONS) {
      for (const n of NAMES) {
        const rs = results[c][n];
        lines.push(
          `| ${c} | ${LABEL[n]}${n === "a" ? " ¹" : ""} | ${f(median(rs.map((x) => x.rps)), 0)} | ${f(median(rs.map((x) => x.p50)))} | ${f(median(rs.map((x) => x.p99)))} | ${f(median(rs.map((x) => x.cpuPerReq)), 3)} | ${rs.reduce((s, x) => s + x.failed, 0)} |`,
        );
      }
    }
    const paired = (c: number, k: keyof Round, op: (cv: number, bv: number) => number, floor: Name = "b", of: Name = "c") =>
      median(results[c][of].map((x, i) => op(x[k], results[c][floor][i][k])));
    const streamMedian = (n: Name, k: keyof StreamSample) => median(streams[n].map((round) => median(round.map((s) => s[k] as number))));
    const ttfcAddedOver = (floor: Name) => median(streams.c.map((round, i) => median(round.map((s) => s.ttfc)) - median(streams[floor][i].map((s) => s.ttfc))));
    const ttfcAdded = ttfcAddedOver("b");

    const slines: string[] = [];
    slines.push("| target | time to first chunk, p50 ms | p90 ms | whole stream p50 ms | content chunks | reads carrying content | most chunks in one read |");
    slines.push("|---|---:|---:|---:|---:|---:|---:|");
    for (const n of NAMES) {
      const all = streams[n].flat();
      const tt = all.map((s) => s.ttfc).sort((x, y) => x - y);
      slines.push(
        `| ${LABEL[n]} | ${f(streamMedian(n, "ttfc"))} | ${f(tt[Math.floor(tt.length * 0.9)])} | ${f(streamMedian(n, "total"))} | ${f(median(all.map((s) => s.chunks)), 0)} | ${f(median(all.map((s) => s.contentReads)), 0)} | ${Math.max(...all.map((s) => s.maxChunksPerRead))} |`,
      );
    }

    const targetsTable: string[] = ["| target | measured (c) vs (b), same run | goal | met |", "|---|---:|---:|:---:|"];
    const check = (name: string, value: number, goal: string, ok: boolean, unit = "") =>
      targetsTable.push(`| ${name} | ${f(value)}${unit} | ${goal} | ${ok ? "yes" : "**no**"} |`);
    const has = (c: number) => CONNECTIONS.includes(c);
    if (has(32)) {
      const thr = paired(32, "rps", (cv, bv) => cv / bv);
      check("throughput at c=32", thr, "≥ 0.90×", thr >= 0.9, "×");
    }
    if (has(1)) {
      const addP50 = paired(1, "p50", (cv, bv) => cv - bv);
      check("added p50 latency at c=1", addP50, "≤ 1 ms", addP50 <= 1, " ms");
    }
    check("added time to first chunk", ttfcAdded, "≤ 1 ms", ttfcAdded <= 1, " ms");
    // Unbuffered: the metered stream delivers each upstream chunk in its own read, as the
    // upstream paced them (5 ms apart). A loaded machine can occasionally coalesce two
    // reads on the client side (it happens to the pass-through too), hence the fraction.
    const cs = streams.c.flat();
    const oneReadPerChunk = cs.filter((s) => s.contentReads === s.chunks).length / cs.length;
    const bs = streams.b.flat();
    const bOne = bs.filter((s) => s.contentReads === s.chunks).length / bs.length;
    targetsTable.push(
      `| chunks never buffered: streams whose every content chunk arrived in its own read | ${(100 * oneReadPerChunk).toFixed(0)}% (pass-through ${(100 * bOne).toFixed(0)}%) | ≈ pass-through | ${oneReadPerChunk >= bOne - 0.05 ? "yes" : "**no**"} |`,
    );
    for (const c of CONNECTIONS) {
      const cpu = paired(c, "cpuPerReq", (cv, bv) => cv / bv);
      check(`CPU per request at c=${c}`, cpu, "≤ 1.30×", cpu <= 1.3, "×");
    }
    // The same comparisons against (b′): what metering itself costs when the floor uses the
    // same upstream client (reported, not a target).
    const strict: string[] = ["| measure | (c) vs (b′), same run |", "|---|---:|"];
    if (has(32)) strict.push(`| throughput at c=32 | ${f(paired(32, "rps", (cv, bv) => cv / bv, "n"))}× |`);
    if (has(1)) strict.push(`| added p50 latency at c=1 | ${f(paired(1, "p50", (cv, bv) => cv - bv, "n"))} ms |`);
    strict.push(`| added time to first chunk | ${f(ttfcAddedOver("n"))} ms |`);
    for (const c of CONNECTIONS) strict.push(`| CPU per request at c=${c} | ${f(paired(c, "cpuPerReq", (cv, bv) => cv / bv, "n"))}× |`);
    // What serving /v1 beside Next.js changed (the same handler as a Next.js route, (c₀)),
    // and how far the metered path is from plain Node with no framework at all, (d).
    const beside: string[] = ["| measure | (c) vs (c₀), same handler as a Next.js route | (c) vs (d), plain node:http forwarder |", "|---|---:|---:|"];
    const both = (label: string, c: number, k: keyof Round, op: (cv: number, bv: number) => number, unit: string) =>
      beside.push(`| ${label} | ${f(paired(c, k, op, "m"))}${unit} | ${f(paired(c, k, op, "d"))}${unit} |`);
    if (has(32)) both("throughput at c=32", 32, "rps", (cv, bv) => cv / bv, "×");
    if (has(1)) both("added p50 latency at c=1", 1, "p50", (cv, bv) => cv - bv, " ms");
    for (const c of CONNECTIONS) both(`CPU per request at c=${c}`, c, "cpuPerReq", (cv, bv) => cv / bv, "×");
    beside.push(`| added time to first chunk | ${f(ttfcAddedOver("m"))} ms | ${f(ttfcAddedOver("d"))} ms |`);
    // 1 vs 2 worker processes (WEB_CONCURRENCY), same run, and each against the forwarder.
    const workers: string[] = ["| measure | (c₂) 2 workers vs (c) 1 worker | (c) vs (d) forwarder | (c₂) vs (d) forwarder |", "|---|---:|---:|---:|"];
    for (const c of CONNECTIONS) {
      workers.push(
        `| throughput at c=${c} | ${f(paired(c, "rps", (cv, bv) => cv / bv, "c", "w"))}× | ${f(paired(c, "rps", (cv, bv) => cv / bv, "d"))}× | ${f(paired(c, "rps", (cv, bv) => cv / bv, "d", "w"))}× |`,
      );
      workers.push(
        `| CPU per request at c=${c} | ${f(paired(c, "cpuPerReq", (cv, bv) => cv / bv, "c", "w"))}× | ${f(paired(c, "cpuPerReq", (cv, bv) => cv / bv, "d"))}× | ${f(paired(c, "cpuPerReq", (cv, bv) => cv / bv, "d", "w"))}× |`,
      );
    }
    if (has(1))
      workers.push(
        `| added p50 latency at c=1 | ${f(paired(1, "p50", (cv, bv) => cv - bv, "c", "w"))} ms | ${f(paired(1, "p50", (cv, bv) => cv - bv, "d"))} ms | ${f(paired(1, "p50", (cv, bv) => cv - bv, "d", "w"))} ms |`,
      );

    const loadNow = os.loadavg();
    const meta = [
      `Command: \`npm run bench -- gateway\` (BENCH_ROUNDS=${ROUNDS} BENCH_SECONDS=${SECONDS} BENCH_STREAMS=${STREAMS} BENCH_CONNECTIONS=${CONNECTIONS.join(",")})  `,
      `Machine: ${machine()}  `,
      `Load average (1/5/15 min) at start ${loadAtStart.map((l) => l.toFixed(2)).join(" / ")}, at end ${loadNow.map((l) => l.toFixed(2)).join(" / ")}; the machine is shared, so compare within a run.  `,
      `Stack: \`next start\` (production build in .next-bench), ${await pgVersion(t)} (scratch database), Redis at ${appEnv("", "").REDIS_URL}, autocannon 9 in the benchmark process.  `,
      `Measured: ${new Date().toISOString().slice(0, 16)} UTC. ${ROUNDS} alternating rounds of ${SECONDS} s per target and concurrency; medians over rounds; ratios are per-round (c)/(b), then the median.`,
    ].join("\n");
    const money = `After the run: ${events} usage events, ${open} open reservations, ledger invariant ${audit.ok ? "holds" : "**BROKEN**"} for the bench account.`;
    const body = [
      meta,
      "",
      "Non-streamed chat completions (one upstream completion with usage):",
      "",
      lines.join("\n"),
      "",
      "¹ CPU for (a) is the upstream process's, for (d) the forwarder's; for (b), (b′), (c₀), (c) and (c₂) the app's (`next start` process tree; for (c₂) the primary and its workers), from /proc utime+stime.",
      "",
      `Streamed (stream: true, include_usage), one request at a time, ${STREAMS} per target per round; the upstream sends 20 content chunks 5 ms apart:`,
      "",
      slines.join("\n"),
      "",
      "Targets:",
      "",
      targetsTable.join("\n"),
      "",
      "The metered path reaches the upstream over node:http with a keep-alive agent, (b) over fetch(), the idiomatic bare route and the floor the targets are set against. Against (b′), a bare route on the same client, metering itself costs:",
      "",
      strict.join("\n"),
      "",
      "In production /v1 is served beside Next.js, straight from node:http (app/v1/direct.ts); (c₀) is the same handler on Next's own pipeline, (d) a plain node:http forwarder with no framework in its own process (scripts/bench/lib/node-forwarder.mjs):",
      "",
      beside.join("\n"),
      "",
      `Worker processes (scripts/server.mjs, node:cluster on one port; ${os.availableParallelism()} cores here, shared): the same metered path with WEB_CONCURRENCY=2 against one worker, and each against the forwarder:`,
      "",
      workers.join("\n"),
      "",
      money,
    ].join("\n");
    console.log("\n" + body + "\n");
    if (process.env.BENCH_NO_DOC !== "1") writeDocSection("gateway", "## Gateway: metered path vs bare pass-through", body);
    if (!audit.ok) process.exitCode = 1;
  } finally {
    await app.stop();
    await app2.stop();
    await forwarder.stop();
    await upstream.stop();
    await t.drop();
  }
}
