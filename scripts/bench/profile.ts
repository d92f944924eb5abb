// `npm run bench -- profile [passthrough|passthrough-node|metered|stream] `: a CPU profile of the app under load.
// Starts the same set-up as `npm run bench -- gateway` with `node --cpu-prof` on the
// `next start` process, loads one target (BENCH_SECONDS, default 15 s, BENCH_CONNECTIONS
// default 8), stops the server (the profile is written at exit) and prints the functions
// with the most self time, plus the same grouped by package/file. The .cpuprofile stays in
// BENCH_PROFILE_DIR (default /tmp/metered-prof) for Chrome DevTools or speedscope.
import fs from "node:fs";
import path from "node:path";
import { appEnv, buildApp, CHAT_MODEL, setupDb, startApp, startUpstream } from "./lib/gateway-env";
import { load, streamOnce, type Target } from "./lib/load";

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] };

/** Self time per function and per package; samples in the first `skipMs` (start-up, warm-up) are left out. */
export function summarise(file: string, top = 25, skipMs = 0): string {
  const p = JSON.parse(fs.readFileSync(file, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let clock = 0;
  for (let i = 0; i < p.samples.length; i++) {
    clock += p.timeDeltas[i] ?? 0;
    if (clock < skipMs * 1000) continue;
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self].filter(([id]) => ["(idle)", "(program)", "(garbage collector)"].includes(byId.get(id)!.callFrame.functionName));
  const fn = new Map<string, number>();
  const file_ = new Map<string, number>();
  for (const [id, us] of self) {
    const cf = byId.get(id)!.callFrame;
    const where = cf.url.replace(/^file:\/\//, "").replace(process.cwd() + "/", "");
    const key = `${cf.functionName || "(anonymous)"}  ${where ? `${where}:${cf.lineNumber + 1}` : ""}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const group = where
      ? where.includes("node_modules/")
        ? where.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, "$1") +
          (where.includes("/compiled/") ? " (" + where.replace(/.*\/compiled\/([^/]+).*/, "$1") + ")" : "")
        : where.startsWith("node:")
          ? "node internals"
          : where.replace(/^\.next-bench\/server\/chunks\//, "app chunk ")
      : cf.functionName;
    file_.set(group, (file_.get(group) ?? 0) + us);
  }
  const busy = total - idle.filter(([id]) => byId.get(id)!.callFrame.functionName === "(idle)").reduce((a, [, us]) => a + us, 0);
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1)}%`;
  const rows = (m: Map<string, number>) =>
    [...m]
      .filter(([k]) => !k.startsWith("(idle)"))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${pct(us).padStart(6)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  return [
    `busy CPU ${(busy / 1000).toFixed(0)} ms (excluding idle)`,
    "",
    "top self time by function:",
    ...rows(fn),
    "",
    "by package / file:",
    ...rows(file_),
  ].join("\n");
}

export default async function profile(args: string[]): Promise<void> {
  const which = args[0] ?? "metered";
  const seconds = Number(process.env.BENCH_SECONDS ?? 15);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 8);
  const dir = process.env.BENCH_PROFILE_DIR ?? "/tmp/metered-prof";
  fs.mkdirSync(dir, { recursive: true });
  const before = new Set(fs.readdirSync(dir));
  buildApp(console.log);
  const { t, secrets } = await setupDb(1);
  const upstream = await startUpstream();
  const spawnedAt = performance.now();
  let loadFrom = 0;
  const app = await startApp(appEnv(t.url!, upstream.url), `--cpu-prof --cpu-prof-dir=${dir}`);
  try {
    const stream = which === "stream";
    const body = JSON.stringify({
      model: CHAT_MODEL,
      messages: [{ role: "user", content: "Say something short." }],
      max_tokens: 64,
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    });
    const target: Target =
      which === "passthrough" || which === "passthrough-node"
        ? { url: `${app.url}/bench/${which}/chat/completions`, headers: {}, body }
        : { url: `${app.url}/v1/chat/completions`, headers: { authorization: `Bearer ${secrets[0]}` }, body };
    // Warm-up (first requests compile and load the route's chunks), left out of the summary.
    await load({ ...target, body: JSON.stringify({ ...JSON.parse(body), stream: false }) }, { connections, seconds: 3 });
    loadFrom = performance.now() - spawnedAt;
    if (stream) {
      const until = performance.now() + seconds * 1000;
      let n = 0;
      while (performance.now() < until) {
        await streamOnce(target);
        n++;
      }
      console.log(`${n} streamed requests`);
    } else {
      const r = await load(target, { connections, seconds });
      console.log(`${which}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, ${r.failed} failed`);
    }
  } finally {
    await app.stop();
    await upstream.stop();
    await t.drop();
  }
  const fresh = fs.readdirSync(dir).filter((f) => f.endsWith(".cpuprofile") && !before.has(f));
  if (!fresh.length) throw new Error(`no profile written to ${dir}`);
  // The biggest profile is the server's (next's CLI may start helper processes).
  const file = fresh.map((f) => path.join(dir, f)).sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
  console.log(`\nprofile: ${file}\n`);
  console.log(summarise(file, 25, loadFrom));
}
