import cluster from "node:cluster";
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { processSingleton } from "@/lib/process";
import { METRICS_REQ, METRICS_RES } from "./cluster-primary.mjs";

// The primary's side (plain JavaScript, for scripts/server.mjs).
export { setupClusterMetrics } from "./cluster-primary.mjs";

// Prometheus metrics (README, "Operations"). One registry per process (lib/process.ts:
// Next.js bundles route handlers separately, and every copy must count into the same
// registry; prom-client itself is loaded from node_modules, next.config.js). Labels are
// bounded: routes come from the fixed table below, models from the catalog (anything else
// is "other"), providers from the configured providers, tiers and outcomes from fixed sets.
// Never a key id, an account id or anything a client typed.
//
// With several worker processes (node:cluster), the primary runs setupClusterMetrics() and
// a worker's /metrics answers the sum of all workers (clusterMetricsText()).

/** The route label: the /v1 routes by their path template; anything else is "other". */
const ROUTES: readonly [RegExp, string][] = [
  [/^\/v1\/chat\/completions$/, "/v1/chat/completions"],
  [/^\/v1\/completions$/, "/v1/completions"],
  [/^\/v1\/responses$/, "/v1/responses"],
  [/^\/v1\/embeddings$/, "/v1/embeddings"],
  [/^\/v1\/models$/, "/v1/models"],
  [/^\/v1\/models\/.+$/, "/v1/models/{id}"],
  [/^\/v1\/credits$/, "/v1/credits"],
  [/^\/v1\/quote$/, "/v1/quote"],
  [/^\/v1\/audio\/speech$/, "/v1/audio/speech"],
  [/^\/v1\/audio\/transcriptions$/, "/v1/audio/transcriptions"],
  [/^\/v1\/images\/generations$/, "/v1/images/generations"],
  [/^\/v1\/videos$/, "/v1/videos"],
  [/^\/v1\/videos\/[^/]+$/, "/v1/videos/{id}"],
  [/^\/v1\/videos\/[^/]+\/content$/, "/v1/videos/{id}/content"],
];

export function routeLabel(pathname: string): string {
  for (const [re, label] of ROUTES) if (re.test(pathname)) return label;
  return "other";
}

/** Seconds: fast answers to long generations. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const TTFT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

type Sources = {
  settlePending: () => number;
  breakers: () => Iterable<{ provider: string; open: boolean }>;
};

function create() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const sources: Sources = { settlePending: () => 0, breakers: () => [] };
  const m = {
    registry,
    sources,
    requests: new Counter({
      name: "metered_api_requests_total",
      help: "Requests to the model API (/v1), by route, model and HTTP status.",
      labelNames: ["route", "model", "status"] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: "metered_api_request_duration_seconds",
      help: "Time from a /v1 request's arrival to its end (streams: their last chunk), by route and model.",
      labelNames: ["route", "model"] as const,
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
    ttft: new Histogram({
      name: "metered_time_to_first_token_seconds",
      help: "Time from a streamed request's arrival to its first token, by model.",
      labelNames: ["model"] as const,
      buckets: TTFT_BUCKETS,
      registers: [registry],
    }),
    spend: new Counter({
      name: "metered_spend_micro_usd_total",
      help: "Charged micro-USD, by model.",
      labelNames: ["model"] as const,
      registers: [registry],
    }),
    tokens: new Counter({
      name: "metered_tokens_total",
      help: "Billed tokens, by model and direction (input, output).",
      labelNames: ["model", "direction"] as const,
      registers: [registry],
    }),
    ratelimit: new Counter({
      name: "metered_ratelimit_decisions_total",
      help: "Per-key rate-limit decisions, by tier and outcome (allowed, limited; _degraded when decided in-process because the store failed).",
      labelNames: ["tier", "outcome"] as const,
      registers: [registry],
    }),
    provider: new Counter({
      name: "metered_provider_requests_total",
      help: "Attempts at an upstream provider, by provider and outcome (ok, error, timeout, rejected, aborted).",
      labelNames: ["provider", "outcome"] as const,
      registers: [registry],
    }),
    breakerOpen: new Gauge({
      name: "metered_provider_breaker_open",
      help: "1 while a provider's circuit breaker is open (it is tried last), else 0.",
      labelNames: ["provider"] as const,
      aggregator: "max",
      registers: [registry],
      collect() {
        this.reset();
        for (const b of sources.breakers()) this.set({ provider: b.provider }, b.open ? 1 : 0);
      },
    }),
    openStreams: new Gauge({
      name: "metered_open_streams",
      help: "Streamed /v1 responses in progress.",
      registers: [registry],
    }),
    settlePending: new Gauge({
      name: "metered_settle_pending",
      help: "Settles of answered requests not yet committed to the ledger.",
      registers: [registry],
      collect() {
        this.set(sources.settlePending());
      },
    }),
  };
  // A worker answers the primary's requests for its metrics (prom-client's cluster IPC).
  if (cluster.isWorker) {
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([registry]);
  }
  return m;
}

/** The process's metrics (created on first use). */
export function metrics() {
  return processSingleton("observability.metrics", create);
}

/** Lets a module that owns a number expose it as a gauge read at scrape time. */
export function metricsSource<K extends keyof Sources>(name: K, read: Sources[K]): void {
  metrics().sources[name] = read;
}

/** Catalog ids stay; anything else becomes "other" (and no model at all "none"). */
export function modelLabel(model: string | null | undefined, known: (id: string) => boolean): string {
  if (!model) return "none";
  return known(model) ? model : "other";
}

export function countRateLimit(tier: string, allowed: boolean, degraded = false): void {
  metrics().ratelimit.inc({ tier, outcome: `${allowed ? "allowed" : "limited"}${degraded ? "_degraded" : ""}` });
}

export type ProviderOutcome = "ok" | "error" | "timeout" | "rejected" | "aborted";

export function countProviderRequest(provider: string, outcome: ProviderOutcome): void {
  metrics().provider.inc({ provider, outcome });
}

// ---- /metrics ---------------------------------------------------------------------------

const REQ = METRICS_REQ;
const RES = METRICS_RES;
type MetricsReq = { type: typeof REQ; id: number };
type MetricsRes = { type: typeof RES; id: number; text?: string; error?: string };

/** How long a worker waits for the primary's aggregate before it answers its own metrics. */
export const CLUSTER_METRICS_TIMEOUT_MS = 3_000;

const ipc = () =>
  processSingleton("observability.metricsIpc", () => {
    const waiting = new Map<number, (res: MetricsRes) => void>();
    process.on("message", (message: unknown) => {
      const res = message as Partial<MetricsRes> | null;
      if (!res || res.type !== RES || typeof res.id !== "number") return;
      waiting.get(res.id)?.(res as MetricsRes);
    });
    return { waiting, next: 0 };
  });

/** Asks the primary for every worker's metrics, summed; rejects after `timeoutMs`. */
function askPrimary(timeoutMs: number): Promise<string> {
  const state = ipc();
  const { waiting } = state;
  const id = ++state.next;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error(`the primary did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    waiting.set(id, (res) => {
      clearTimeout(timer);
      waiting.delete(id);
      if (res.error !== undefined || res.text === undefined) reject(new Error(res.error ?? "no metrics"));
      else resolve(res.text);
    });
    process.send!({ type: REQ, id } satisfies MetricsReq);
  });
}

export type MetricsAnswer = { text: string; contentType: string; scope: "cluster" | "process" };

/**
 * The text exposition this process serves at /metrics: in a cluster worker the sum over
 * all workers (asked of the primary; if it does not answer in time, this worker's own,
 * marked by scope "process"), otherwise this process's registry.
 */
export async function metricsExposition(timeoutMs = CLUSTER_METRICS_TIMEOUT_MS): Promise<MetricsAnswer> {
  const { registry } = metrics();
  if (cluster.isWorker && typeof process.send === "function") {
    try {
      return { text: await askPrimary(timeoutMs), contentType: registry.contentType, scope: "cluster" };
    } catch (err) {
      console.warn(`[metrics] cluster aggregate unavailable, serving this worker's own metrics: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { text: await registry.metrics(), contentType: registry.contentType, scope: "process" };
}
