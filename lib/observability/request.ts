import type { Span } from "@opentelemetry/api";
import { processSingleton } from "@/lib/process";
import { logger } from "./logger";
import { countProviderRequest, metrics, modelLabel, routeLabel, type ProviderOutcome } from "./metrics";
import { markError, recordError, startSpan, traced, tracingEnabled, withSpan } from "./tracing";

// One /v1 request seen from operations: its Prometheus counts, its span (with children for
// the limiter, the hold, the provider and the settle) and its one JSON log line. Opened by
// the wrapper (lib/api/with-api-key.ts), told about the settle by the Meter
// (lib/metering/meter.ts, observeSettle()). A request ends when its answer is returned, or,
// for a stream, when its meter settles (the stream's end, whichever way it ended): only
// then are its tokens, cost and duration known.

/** GenAI operation names (OpenTelemetry semantic conventions) by route. */
const OPERATIONS: Record<string, string> = {
  "/v1/chat/completions": "chat",
  "/v1/responses": "chat",
  "/v1/completions": "text_completion",
  "/v1/embeddings": "embeddings",
  "/v1/images/generations": "image_generation",
  "/v1/audio/speech": "text_to_speech",
  "/v1/audio/transcriptions": "speech_to_text",
  "/v1/videos": "video_generation",
};

export type SettleSeen = {
  model: string;
  units: { inputTokens?: number; outputTokens?: number; images?: number; videoSeconds?: number; characters?: number; audioMs?: number };
  costMicroUsd: bigint;
  chargedMicroUsd: bigint;
  status?: string;
  errorCode?: string;
  provider: string | null;
  /** Resolves when the settle has committed. */
  committed: Promise<unknown>;
};

type MeterLike = { settled: boolean; detached: boolean };

const open = processSingleton("observability.openRequests", () => new Map<string, RequestObservation>());

// The model label: every id this module is given is a catalog model's (CatalogModel.id, from
// the wrapper's openMeter and the Meter), never what the client typed, so the label set is
// the catalog's; a request that never chose one is "none".
const catalogModel = () => true;

export class RequestObservation {
  readonly route: string;
  readonly operation: string | undefined;
  private readonly span: Span | null;
  private model: string | null = null;
  private accountId: string | null = null;
  private keyId: string | null = null;
  private status = 0;
  private settle: SettleSeen | null = null;
  private streaming = false;
  private finished = false;

  constructor(
    readonly requestId: string,
    private readonly method: string,
    pathname: string,
    private readonly startedAt: number,
  ) {
    this.route = routeLabel(pathname);
    this.operation = OPERATIONS[this.route];
    this.span = tracingEnabled()
      ? startSpan(
          `${method} ${this.route}`,
          {
            "http.request.method": method,
            "http.route": this.route,
            "gen_ai.operation.name": this.operation,
            "metered.request_id": requestId,
          },
          null,
          "server",
        )
      : null;
    open.set(requestId, this);
  }

  /** The authenticated key (ids only, never its secret). */
  identify(key: { accountId: string; keyId: string; tier: string }): void {
    this.accountId = key.accountId;
    this.keyId = key.keyId;
    this.span?.setAttributes({ "metered.account_id": key.accountId, "metered.key_id": key.keyId, "metered.tier": key.tier });
  }

  /** The catalog model the request asked for (known once it holds credit). */
  setModel(modelId: string): void {
    this.model = modelId;
    if (this.span) {
      this.span.setAttribute("gen_ai.request.model", modelId);
      if (this.operation) this.span.updateName(`${this.operation} ${modelId}`);
    }
  }

  /** `fn` with this request's span active, so the spans started beneath are its children. */
  run<T>(fn: () => T): T {
    return withSpan(this.span, fn);
  }

  /** `fn(arg)` in a child span named `name` (the limiter, the hold). */
  call<A, T>(name: string, fn: (arg: A) => Promise<T>, arg: A): Promise<T> {
    return this.span ? this.run(() => traced(name, () => fn(arg))) : fn(arg);
  }

  failed(err: unknown): void {
    recordError(this.span, err);
  }

  /** Told by the Meter when it settles (the charge is decided; the commit follows). */
  settled(s: SettleSeen): void {
    this.settle = s;
    if (this.span) {
      const settleSpan = startSpan("settle", { "metered.cost_micro_usd": Number(s.chargedMicroUsd), "metered.settle.status": s.status }, this.span);
      void s.committed.then(
        () => settleSpan?.end(),
        (err) => {
          recordError(settleSpan, err);
          settleSpan?.end();
        },
      );
    }
    if (this.streaming) this.finish();
  }

  /**
   * The answer is going out. A stream whose meter has not settled yet stays open until it
   * does (its time to first token is now); anything else ends here.
   */
  responded(res: Response, meters: readonly MeterLike[]): void {
    this.status = res.status;
    const sse = (res.headers.get("content-type") ?? "").startsWith("text/event-stream");
    if (sse && meters.some((m) => m.detached && !m.settled) && !this.settle) {
      this.streaming = true;
      const m = metrics();
      m.openStreams.inc();
      m.ttft.observe({ model: this.modelLabel() }, (performance.now() - this.startedAt) / 1000);
      return;
    }
    this.finish();
  }

  private modelLabel(): string {
    return modelLabel(this.settle?.model ?? this.model, catalogModel);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    open.delete(this.requestId);
    try {
      this.report();
    } catch (err) {
      console.error(`[observability] ${this.requestId}: request not observed`, err);
    }
  }

  private report(): void {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const model = this.modelLabel();
    const m = metrics();
    if (this.streaming) m.openStreams.dec();
    m.requests.inc({ route: this.route, model, status: String(this.status) });
    m.duration.observe({ route: this.route, model }, seconds);
    const s = this.settle;
    if (this.span) {
      this.span.setAttribute("http.response.status_code", this.status);
      if (s) {
        this.span.setAttributes({
          "gen_ai.response.model": s.model,
          "gen_ai.usage.input_tokens": s.units.inputTokens ?? 0,
          "gen_ai.usage.output_tokens": s.units.outputTokens ?? 0,
          "gen_ai.provider.name": s.provider ?? "metered.local",
          "metered.cost_micro_usd": Number(s.chargedMicroUsd),
        });
        if (s.status && s.status !== "ok") this.span.setAttribute("metered.outcome", s.status);
      }
      if (this.status >= 500) markError(this.span, String(this.status));
      this.span.end();
    }
    logger().info(
      {
        requestId: this.requestId,
        accountId: this.accountId,
        keyId: this.keyId,
        method: this.method,
        route: this.route,
        model: s?.model ?? this.model,
        status: this.status,
        outcome: s?.status ?? (this.status < 400 ? "ok" : "refused"),
        ...(s?.errorCode ? { errorCode: s.errorCode } : {}),
        units: s ? nonZero(s.units) : {},
        costMicroUsd: s ? Number(s.chargedMicroUsd) : 0,
        latencyMs: Math.round(seconds * 1000),
        provider: s?.provider ?? null,
      },
      "request",
    );
  }
}

function nonZero(units: SettleSeen["units"]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(units)) if (typeof v === "number" && v !== 0) out[k] = v;
  return out;
}

/** Opens the observation of a /v1 request (the wrapper, at its start). */
export function observeRequest(req: Request, requestId: string, startedAt: number): RequestObservation {
  return new RequestObservation(requestId, req.method, new URL(req.url).pathname, startedAt);
}

type SettledMeter = { requestId: string; model: { id: string }; trace: { provider: string | null } };

/**
 * A Meter settled (lib/metering/meter.ts): spend and tokens are counted, and the request's
 * observation (if this process holds one) gets its usage, cost and provider.
 */
export function observeSettle(
  meter: SettledMeter,
  input: { units: SettleSeen["units"]; status?: string; errorCode?: string },
  outcome: { cost: bigint; charged: bigint; commit: Promise<unknown> },
): void {
  const requestId = meter.requestId;
  try {
    const s: SettleSeen = {
      model: meter.model.id,
      units: input.units,
      status: input.status,
      errorCode: input.errorCode,
      costMicroUsd: outcome.cost,
      chargedMicroUsd: outcome.charged,
      provider: meter.trace.provider,
      committed: outcome.commit,
    };
    countSettle(requestId, s);
  } catch (err) {
    // Observing never gets in the way of money: a failure here is logged, the settle goes on.
    console.error(`[observability] ${requestId}: settle not observed`, err);
  }
}

function countSettle(requestId: string, s: SettleSeen): void {
  const m = metrics();
  const model = modelLabel(s.model, catalogModel);
  if (s.chargedMicroUsd > 0n) m.spend.inc({ model }, Number(s.chargedMicroUsd));
  if (s.units.inputTokens) m.tokens.inc({ model, direction: "input" }, s.units.inputTokens);
  if (s.units.outputTokens) m.tokens.inc({ model, direction: "output" }, s.units.outputTokens);
  open.get(requestId)?.settled(s);
}

/**
 * One attempt at an upstream provider (lib/providers/upstream/routing.ts): counted by
 * outcome, and traced as a client span whose context goes upstream as `traceparent`.
 */
export async function observeProviderAttempt<T>(provider: string, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  const span = startSpan(`provider ${provider}`, { "gen_ai.provider.name": provider }, null, "client");
  try {
    const value = await withSpan(span, fn);
    countProviderRequest(provider, "ok");
    return value;
  } catch (err) {
    const outcome = providerOutcome(err, signal);
    countProviderRequest(provider, outcome);
    recordError(span, err);
    throw err;
  } finally {
    span?.end();
  }
}

function providerOutcome(err: unknown, signal: AbortSignal): ProviderOutcome {
  if (signal.aborted) return "aborted";
  const e = err as { code?: unknown; retryable?: unknown; providerStatus?: unknown } | null;
  if (e?.code === "upstream_timeout") return "timeout";
  if (e?.retryable === true) return "error";
  if (typeof e?.providerStatus === "number") return "rejected";
  return "error";
}
