// The PRIMARY's side of /metrics under node:cluster (scripts/server.mjs forks the workers).
// Plain JavaScript so that the server script, which runs without a TypeScript loader, can
// call it; the workers' side (asking the primary, with a timeout) is in ./metrics.ts.
import cluster from "node:cluster";
import { AggregatorRegistry } from "prom-client";

export const METRICS_REQ = "metered:metrics-req";
export const METRICS_RES = "metered:metrics-res";

/**
 * Answers a worker's request for the aggregate of every worker's registry (prom-client's
 * AggregatorRegistry sums counters and histograms, and takes each gauge's aggregator).
 * Call once in the primary, before or after forking; later calls return the same registry.
 */
export function setupClusterMetrics() {
  const slot = Symbol.for("metered.observability.clusterMetrics");
  if (globalThis[slot]) return globalThis[slot];
  const aggregator = new AggregatorRegistry();
  cluster.on("message", (worker, message) => {
    if (!message || message.type !== METRICS_REQ || typeof message.id !== "number") return;
    const id = message.id;
    aggregator.clusterMetrics().then(
      (text) => worker.isConnected() && worker.send({ type: METRICS_RES, id, text }),
      (err) => worker.isConnected() && worker.send({ type: METRICS_RES, id, error: err instanceof Error ? err.message : String(err) }),
    );
  });
  globalThis[slot] = aggregator;
  return aggregator;
}
