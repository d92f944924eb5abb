import cluster from "node:cluster";
import { metrics, metricsExposition, setupClusterMetrics } from "@/lib/observability/metrics";

// Run by lib/observability/metrics.cluster.test.ts with `node --import tsx`: a node:cluster
// primary that sets up the metrics aggregation and forks two workers; each worker counts
// its own traffic, then the second one serves /metrics' answer (metricsExposition()),
// which must be the sum over both. The primary prints that answer as one JSON line.

if (cluster.isPrimary) {
  setupClusterMetrics();
  const workers = [0, 1].map((i) => cluster.fork({ WORKER_INDEX: String(i) }));
  let counted = 0;
  const done = (out: unknown, code: number) => {
    process.stdout.write(JSON.stringify(out) + "\n");
    for (const w of workers) w.kill();
    process.exitCode = code;
  };
  const timer = setTimeout(() => done({ error: "timed out" }, 1), 20_000);
  for (const w of workers) {
    w.on("message", (m: { type?: string; text?: string; scope?: string }) => {
      if (m?.type === "counted" && ++counted === workers.length) workers[1].send({ type: "report" });
      if (m?.type === "report") {
        clearTimeout(timer);
        done({ text: m.text, scope: m.scope }, 0);
      }
    });
  }
} else {
  const i = Number(process.env.WORKER_INDEX);
  const m = metrics();
  m.requests.inc({ route: "/v1/chat/completions", model: "local/echo-chat", status: "200" }, i + 1);
  m.spend.inc({ model: "local/echo-chat" }, 1_000 * (i + 1));
  m.openStreams.inc(5);
  m.ttft.observe({ model: "local/echo-chat" }, 0.02 * (i + 1));
  process.send!({ type: "counted" });
  process.on("message", (msg: { type?: string }) => {
    if (msg?.type !== "report") return;
    void metricsExposition().then((a) => process.send!({ type: "report", text: a.text, scope: a.scope }));
  });
}
