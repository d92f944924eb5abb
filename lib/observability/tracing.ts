import type * as Api from "@opentelemetry/api";
import type { Span } from "@opentelemetry/api";
import type { NodeSDK } from "@opentelemetry/sdk-node";
import { onShutdown, processSingleton } from "@/lib/process";

// OpenTelemetry traces (README, "Operations"), only when OTEL_EXPORTER_OTLP_ENDPOINT is set:
// startTracing() (instrumentation-node.ts) then loads the SDK and the OTLP/HTTP exporter
// (both read the standard OTEL_* variables: endpoint, headers, protocol, service name,
// sampler). Until then nothing of OpenTelemetry is loaded, not even its API, and every
// helper below is a plain call of the function it wraps: no span, no context, no cost.
//
// Spans (GenAI semantic conventions, gen_ai.*): one per /v1 request (./request.ts) with
// children for the rate limiter, the hold, each provider attempt and the settle; the
// provider attempt's context goes upstream as `traceparent` (injectTraceHeaders()).
// Only this tracer's spans are exported: Next.js creates spans of its own once a tracer
// provider is registered, for every page and asset, with the request's target (query
// strings included: a verification link's token) among their attributes. A request span is
// therefore a root, never a child of one of those.

const TRACER = "metered";
type SpanExporter = NonNullable<NonNullable<ConstructorParameters<typeof NodeSDK>[0]>["traceExporter"]>;

/** Passes on this tracer's spans only (see above). */
function onlyOurs(inner: SpanExporter): SpanExporter {
  return {
    export(spans, done) {
      const ours = spans.filter((s) => s.instrumentationScope.name === TRACER);
      if (ours.length === 0) return done({ code: 0 }); // ExportResultCode.SUCCESS
      inner.export(ours, done);
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

const state = processSingleton("observability.tracing", () => ({
  api: null as typeof Api | null,
  tracer: null as Api.Tracer | null,
}));

export function tracingEnabled(): boolean {
  return state.api !== null;
}

/** Loads and starts the OpenTelemetry SDK (once per process); spans are flushed at shutdown. */
export async function startTracing(): Promise<void> {
  if (state.api) return;
  const [api, { NodeSDK }, { OTLPTraceExporter }] = await Promise.all([
    import("@opentelemetry/api"),
    import("@opentelemetry/sdk-node"),
    import("@opentelemetry/exporter-trace-otlp-http"),
  ]);
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? "metered",
    traceExporter: onlyOurs(new OTLPTraceExporter()),
    instrumentations: [],
  });
  sdk.start();
  state.api = api;
  state.tracer = api.trace.getTracer(TRACER);
  onShutdown("tracing", () => sdk.shutdown());
}

export type Attributes = Record<string, string | number | boolean | undefined>;

/**
 * A span started now (null while tracing is off): a child of `parent` or of the active span;
 * a server span (a request) starts a trace of its own.
 */
export function startSpan(name: string, attributes?: Attributes, parent?: Span | null, kind?: "server" | "client"): Span | null {
  const { api, tracer } = state;
  if (!api || !tracer) return null;
  const ctx = parent ? api.trace.setSpan(api.context.active(), parent) : api.context.active();
  const spanKind = kind === "server" ? api.SpanKind.SERVER : kind === "client" ? api.SpanKind.CLIENT : api.SpanKind.INTERNAL;
  return tracer.startSpan(name, { kind: spanKind, attributes: clean(attributes), root: kind === "server" }, ctx);
}

/** Runs `fn` with `span` as the active span (its callees' spans become its children). */
export function withSpan<T>(span: Span | null, fn: () => T): T {
  const { api } = state;
  if (!api || !span) return fn();
  return api.context.with(api.trace.setSpan(api.context.active(), span), fn);
}

/** `fn` inside a child span of the active one named `name`, ended when it settles (errors recorded). */
export async function traced<T>(name: string, fn: () => Promise<T>, attributes?: Attributes): Promise<T> {
  const span = startSpan(name, attributes);
  if (!span) return fn();
  try {
    return await withSpan(span, fn);
  } catch (err) {
    recordError(span, err);
    throw err;
  } finally {
    span.end();
  }
}

export function recordError(span: Span | null, err: unknown): void {
  const { api } = state;
  if (!api || !span) return;
  span.setStatus({ code: api.SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string") span.setAttribute("error.type", code);
}

export function markError(span: Span | null, type: string): void {
  const { api } = state;
  if (!api || !span) return;
  span.setStatus({ code: api.SpanStatusCode.ERROR });
  span.setAttribute("error.type", type);
}

/** Adds `traceparent` (and `tracestate`) of the active span to an outgoing request's headers. */
export function injectTraceHeaders(headers: Record<string, unknown>): void {
  const { api } = state;
  if (!api) return;
  api.propagation.inject(api.context.active(), headers);
}

function clean(attributes?: Attributes): Api.Attributes | undefined {
  if (!attributes) return undefined;
  const out: Api.Attributes = {};
  for (const [k, v] of Object.entries(attributes)) if (v !== undefined) out[k] = v;
  return out;
}
