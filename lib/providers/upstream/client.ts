import http from "node:http";
import https from "node:https";
import { ApiError, type ApiErrorCode } from "@/lib/errors";
import type { ProviderConfig } from "@/lib/catalog";
import { injectTraceHeaders } from "@/lib/observability/tracing";

// The HTTP side of the OpenAI-compatible upstream provider, shared by every modality.
//
// node:http with keep-alive agents, not fetch(): on this path fetch's WHATWG layers
// (Request, Headers, web streams, body mixins) cost ~200 µs of CPU per call where
// http.request costs ~35 µs, measured side by side against the bench upstream (npm run
// bench -- gateway, docs/benchmarks.md); at a few hundred requests per second per core
// that difference is most of what the metered path added over a bare Next.js route.
// Connections are pooled and kept alive (one agent per protocol, no socket cap). Every
// call carries an AbortSignal: the client going away cancels the upstream request, and a
// timer turns a silent upstream into a 504 (the first byte has its own allowance,
// firstByteTimeoutMs). A provider's refusal of the request (4xx) is relayed with its status,
// message, param and code; its server-side failures are summarised, never relayed raw (they
// can contain internal hostnames or keys). Which provider to call, and falling back to the
// next, is ./routing.ts.

// Idle pooled connections are closed after IDLE_SOCKET_MS, or a second before the
// server's own `Keep-Alive: timeout=` hint when that is shorter (Node applies the hint only
// under a set timeout), so we rarely reuse a connection the server is closing (uvicorn,
// which serves vLLM, closes idle ones after 5 s). The rare collision is retried (below).
const IDLE_SOCKET_MS = 4_000;
const agentOptions = { keepAlive: true, keepAliveMsecs: 1_000, scheduling: "lifo" as const, timeout: IDLE_SOCKET_MS };
const transports = {
  "http:": { request: http.request, agent: new http.Agent(agentOptions) },
  "https:": { request: https.request, agent: new https.Agent(agentOptions) },
};

/** One request on the pool, resolving at the response headers. */
function send(url: URL, options: http.RequestOptions, bytes: Buffer, onPooledSocket = true): Promise<UpstreamResponse> {
  const transport = transports[url.protocol as keyof typeof transports];
  if (!transport) return Promise.reject(new Error(`unsupported upstream protocol ${url.protocol}`));
  return new Promise<UpstreamResponse>((resolve, reject) => {
    let answered = false;
    const req = transport.request(url, { ...options, agent: onPooledSocket ? transport.agent : false }, (r) => {
      answered = true;
      resolve(new UpstreamResponse(r));
    });
    req.on("error", (err: NodeJS.ErrnoException) => {
      // A pooled connection the server closed while we were picking it: the request never
      // reached the server, so it is sent once more, on a new connection (Node's documented
      // pattern for keep-alive races; nothing else is retried, and nothing once answered).
      if (!answered && onPooledSocket && req.reusedSocket && (err.code === "ECONNRESET" || err.code === "EPIPE") && !options.signal?.aborted) {
        resolve(send(url, options, bytes, false));
      } else reject(err); // also after the response: a late error must not go uncaught
    });
    req.end(bytes);
  });
}

/** An upstream answer: the status and headers at once, the body read on demand (once). */
export class UpstreamResponse {
  constructor(private readonly res: http.IncomingMessage) {
    // A body nobody is reading can still fail (the deadline or the client cancels the
    // request): readers see the error through their own listeners; this one only keeps an
    // unread failure from being an uncaught 'error' event.
    res.on("error", () => {});
  }
  get status(): number {
    return this.res.statusCode ?? 0;
  }
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  header(name: string): string | null {
    const v = this.res.headers[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
  }
  /** The whole body; rejects if the connection breaks before its end. */
  async bytes(): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const chunk of this.res) parts.push(chunk as Buffer);
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }
  async text(): Promise<string> {
    return (await this.bytes()).toString("utf8");
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
  /** The body as a Node stream, for readers that listen to it (readSse). */
  get body(): http.IncomingMessage {
    return this.res;
  }
  /**
   * Done with the body: read what is left so the connection goes back to the pool, or,
   * if the upstream keeps it open for more than a second, close it.
   */
  release(): void {
    const res = this.res;
    if (res.complete || res.destroyed) return;
    const timer = setTimeout(() => res.destroy(), 1_000);
    timer.unref?.();
    res.once("end", () => clearTimeout(timer));
    res.once("close", () => clearTimeout(timer));
    res.resume();
  }
  /** Closes the connection (the body is not wanted and may be long). */
  cancel(): void {
    this.res.destroy();
  }
}

export class UpstreamTimeout {
  constructor(readonly ms: number) {}
}

export type UpstreamCall = {
  /** Relative to the provider's base URL, e.g. "/chat/completions". */
  path: string;
  /** JSON object (sent as application/json) or FormData (multipart). */
  body: Record<string, unknown> | FormData;
  /** Aborted when our client goes away. */
  signal: AbortSignal;
  accept?: string;
};

/**
 * A deadline that can be pushed back (each streamed chunk resets it) and that aborts the
 * request it guards. It first allows `firstMs` (time to first byte), and `ms` after each
 * reset. `signal` aborts on the client's signal too.
 */
export function deadline(ms: number, parent: AbortSignal, firstMs = ms) {
  const controller = new AbortController();
  let current = firstMs;
  const onParent = () => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener("abort", onParent, { once: true });
  const fire = () => controller.abort(new UpstreamTimeout(current));
  let timer: ReturnType<typeof setTimeout> | undefined = setTimeout(fire, firstMs);
  return {
    signal: controller.signal,
    // Per streamed chunk: the same Timeout re-armed (refresh) once the allowance is the
    // between-chunks one, not a new timer each time.
    reset() {
      if (!timer || controller.signal.aborted) return;
      if (current === ms) timer.refresh();
      else {
        clearTimeout(timer);
        current = ms;
        timer = setTimeout(fire, ms);
      }
    },
    clear() {
      clearTimeout(timer);
      timer = undefined;
      parent.removeEventListener("abort", onParent);
    },
    abort: (reason?: unknown) => controller.abort(reason),
    timedOut: () => controller.signal.reason instanceof UpstreamTimeout,
    /** The allowance in force (first byte, or between chunks). */
    currentMs: () => current,
    /** True when our own client went away (not a timeout of ours). */
    clientAborted: () => parent.aborted,
  };
}
export type Deadline = ReturnType<typeof deadline>;

/**
 * A provider's failure, with what fallback needs: whether another provider may be tried
 * (the failure was the provider's, not the request's, and nothing reached our client), and
 * the provider's Retry-After when it answered 429.
 */
export class ProviderError extends ApiError {
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | null;
  readonly providerStatus: number | null;
  constructor(
    code: ApiErrorCode,
    message: string,
    opts: ConstructorParameters<typeof ApiError>[2] & { retryable: boolean; retryAfterSeconds?: number | null; providerStatus?: number | null },
  ) {
    super(code, message, opts);
    this.retryable = opts.retryable;
    this.retryAfterSeconds = opts.retryAfterSeconds ?? null;
    this.providerStatus = opts.providerStatus ?? null;
  }
}

export function timeoutError(ms: number): ProviderError {
  return new ProviderError(
    "upstream_timeout",
    `The upstream model server did not answer within ${Math.round(ms / 1000)} s; nothing was charged for unanswered work.`,
    {
      retryable: true,
    },
  );
}

/** Maps a network failure (not an HTTP status) to our error. */
export function networkError(err: unknown, dl: Deadline): ProviderError {
  if (dl.timedOut()) return timeoutError(dl.currentMs());
  if (dl.signal.aborted)
    return new ProviderError("upstream_error", "The request was cancelled before the upstream answered.", { cause: err, retryable: false });
  return new ProviderError("upstream_error", "Could not reach the upstream model server.", { cause: err, retryable: true });
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date), or null. */
export function retryAfterSeconds(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.max(0, Math.ceil(Number(value)));
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * A provider's error answer, keeping its meaning: a 4xx about the request keeps its status,
 * message, param and code (the client must fix the request; another provider would refuse it
 * too); 429 and server-side failures may go to the next provider. Server-side messages can
 * describe the provider's internals, so they go to our log, not to the client.
 */
async function upstreamErrorFor(res: UpstreamResponse, provider: ProviderConfig): Promise<ProviderError> {
  let detail = "";
  let param: string | null = null;
  let code: string | null = null;
  try {
    const text = (await res.text()).slice(0, 8192);
    const parsed = JSON.parse(text) as { error?: { message?: unknown; param?: unknown; code?: unknown } | string; message?: unknown };
    const e = typeof parsed.error === "object" && parsed.error ? parsed.error : null;
    const msg = typeof parsed.error === "string" ? parsed.error : (e?.message ?? parsed.message);
    if (typeof msg === "string") detail = msg.slice(0, 1000);
    if (typeof e?.param === "string") param = e.param.slice(0, 200);
    if (typeof e?.code === "string" || typeof e?.code === "number") code = String(e.code).slice(0, 100);
  } catch {}
  const status = res.status;
  if (status === 429) {
    const after = retryAfterSeconds(res.header("retry-after"));
    return new ProviderError(
      "provider_rate_limited",
      `The model provider is over capacity (HTTP 429)${detail ? `: ${detail}` : ""}. This is not your key's rate limit; retry after the Retry-After delay.`,
      {
        retryable: true,
        retryAfterSeconds: after,
        providerStatus: status,
        headers: { "retry-after": String(after ?? 1) },
      },
    );
  }
  if (status === 401 || status === 403) {
    console.error(`[upstream] ${provider.id} HTTP ${status}: ${detail}`);
    return new ProviderError(
      "upstream_error",
      `The model provider refused our credentials (HTTP ${status}); the operator has to fix its API key. Nothing was charged.`,
      {
        retryable: true,
        providerStatus: status,
      },
    );
  }
  if (status >= 400 && status < 500 && status !== 408) {
    return new ProviderError("upstream_rejected", detail ? detail : `The model provider rejected the request (HTTP ${status}).`, {
      retryable: false,
      providerStatus: status,
      status,
      param,
      bodyCode: code,
    });
  }
  if (detail) console.error(`[upstream] ${provider.id} HTTP ${status}: ${detail}`);
  return new ProviderError("upstream_error", `The model provider failed (HTTP ${status}); nothing was charged.`, { retryable: true, providerStatus: status });
}

/** The request body as bytes, with its content type (FormData is encoded as multipart). */
async function encodeBody(body: Record<string, unknown> | FormData): Promise<{ bytes: Buffer; contentType: string }> {
  if (!(body instanceof FormData)) return { bytes: Buffer.from(JSON.stringify(body)), contentType: "application/json" };
  const encoded = new Response(body); // the platform's multipart encoder, boundary included
  return { bytes: Buffer.from(await encoded.arrayBuffer()), contentType: encoded.headers.get("content-type")! };
}

/**
 * Sends one request to a provider and resolves with the (2xx) response once headers arrived.
 * The returned deadline is still armed (time to first byte until the first reset): callers
 * reading a body call `reset()` per chunk and `clear()` when done.
 */
export async function callUpstream(config: ProviderConfig, call: UpstreamCall): Promise<{ res: UpstreamResponse; deadline: Deadline }> {
  // A stream's first event is its first byte; a plain answer's headers come when the whole
  // answer is ready, so it gets the whole-answer allowance.
  const firstMs = call.accept === "text/event-stream" ? (config.firstByteTimeoutMs ?? config.timeoutMs) : config.timeoutMs;
  const dl = deadline(config.timeoutMs, call.signal, firstMs);
  let res: UpstreamResponse;
  try {
    const { bytes, contentType } = await encodeBody(call.body);
    const url = new URL(config.baseUrl + call.path);
    const headers: http.OutgoingHttpHeaders = {
      ...config.headers,
      accept: call.accept ?? "application/json",
      "content-type": contentType,
      "content-length": bytes.byteLength,
    };
    if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
    injectTraceHeaders(headers); // traceparent of the provider attempt's span (lib/observability/tracing.ts)
    res = await send(url, { method: "POST", headers, signal: dl.signal }, bytes);
  } catch (err) {
    dl.clear();
    throw networkError(err, dl);
  }
  if (!res.ok) {
    const error = await upstreamErrorFor(res, config).finally(() => dl.clear());
    throw error;
  }
  return { res, deadline: dl };
}

/** callUpstream + read a JSON body within the same deadline. */
export async function callUpstreamJson<T = Record<string, unknown>>(config: ProviderConfig, call: UpstreamCall): Promise<T> {
  const { res, deadline: dl } = await callUpstream(config, call);
  try {
    return (await res.json()) as T;
  } catch (err) {
    if (dl.signal.aborted) throw networkError(err, dl);
    throw new ProviderError("upstream_error", "The upstream model server answered with invalid JSON.", { cause: err, retryable: true });
  } finally {
    dl.clear();
  }
}

/** callUpstream + read a binary body (e.g. speech audio) within the same deadline. */
export async function callUpstreamBytes(config: ProviderConfig, call: UpstreamCall): Promise<{ bytes: Uint8Array; contentType: string | null }> {
  const { res, deadline: dl } = await callUpstream(config, call);
  try {
    return { bytes: new Uint8Array(await res.bytes()), contentType: res.header("content-type") };
  } catch (err) {
    throw networkError(err, dl);
  } finally {
    dl.clear();
  }
}

/**
 * Server-sent events from an upstream response: each `next()` resolves with the `data:`
 * payloads (raw text, not parsed) of every event completed since the previous call, in
 * order: one per socket read while the consumer keeps up, several when it fell behind, so
 * the caller can forward them in one write. Stops at `[DONE]` (the payloads before it are
 * delivered first); a stream that ends without it, breaks off, or stalls past the deadline
 * throws, after the events completed before that were delivered.
 *
 * Push-based on the response's 'data' events rather than an async iterator over the body:
 * per chunk that is one promise (the consumer's `next()`) instead of the iterator's and
 * one async generator's, which on this path (thousands of open streams, every promise
 * paying Next.js's AsyncLocalStorage hooks) was a large part of the CPU per chunk.
 * Reading pauses while more than PAUSE_CHARS of payloads wait for the consumer.
 */
export function readSse(res: UpstreamResponse, dl: Deadline): SseReader {
  return new SseReader(res, dl);
}

const PAUSE_CHARS = 16 * 1024;

export class SseReader {
  private queue: string[] = [];
  private queuedChars = 0;
  private buffer = "";
  private readonly decoder = new TextDecoder();
  private finished = false; // [DONE] seen
  private failure: unknown = null;
  private waiter: { resolve: (r: IteratorResult<string[], undefined>) => void; reject: (e: unknown) => void } | null = null;
  private cleaned = false;
  private readonly body: http.IncomingMessage;

  constructor(
    private readonly res: UpstreamResponse,
    private readonly dl: Deadline,
  ) {
    this.body = res.body;
    this.body.on("data", this.onData);
    this.body.on("end", this.onEnd);
    this.body.on("error", this.onBroken);
    this.body.on("close", this.onBroken);
  }

  private onData = (bytes: Buffer) => {
    if (this.finished || this.failure) return;
    this.dl.reset();
    const s = this.decoder.decode(bytes, { stream: true });
    this.buffer += s.includes("\r") ? s.replace(/\r\n/g, "\n") : s;
    let cut: number;
    while ((cut = this.buffer.indexOf("\n\n")) >= 0) {
      const event = this.buffer.slice(0, cut);
      this.buffer = this.buffer.slice(cut + 2);
      // The usual event is one `data: …` line; anything else goes the general way.
      const data =
        event.startsWith("data: ") && !event.includes("\n")
          ? event.slice(6)
          : event
              .split("\n")
              .filter((l) => l.startsWith("data:"))
              .map((l) => l.slice(5).replace(/^ /, ""))
              .join("\n");
      if (!data) continue;
      if (data.charCodeAt(0) !== 123 /* { */ && data.trim() === "[DONE]") {
        this.finished = true;
        this.cleanup();
        break;
      }
      this.queue.push(data);
      this.queuedChars += data.length;
    }
    if (this.waiter) this.deliver();
    else if (this.queuedChars > PAUSE_CHARS) this.body.pause();
  };

  private onEnd = () =>
    this.fail(() =>
      this.dl.timedOut()
        ? timeoutError(this.dl.currentMs())
        : new ProviderError("upstream_error", "The upstream stream ended before it was complete.", { retryable: true }),
    );

  private onBroken = (err?: unknown) =>
    this.fail(() =>
      this.dl.timedOut()
        ? timeoutError(this.dl.currentMs())
        : new ProviderError("upstream_error", "The upstream stream broke off mid-way.", { cause: err, retryable: !this.dl.clientAborted() }),
    );

  private fail(error: () => unknown) {
    if (this.finished || this.failure || this.cleaned) return;
    this.failure = error();
    this.cleanup();
    if (this.waiter) this.deliver();
  }

  /** Settles the waiting next(): queued payloads first, then the end or the failure. */
  private deliver() {
    const w = this.waiter;
    if (!w) return;
    if (this.queue.length) {
      this.waiter = null;
      w.resolve({ value: this.take(), done: false });
    } else if (this.finished || this.cleaned) {
      this.waiter = null;
      if (this.failure) w.reject(this.failure);
      else w.resolve({ value: undefined, done: true });
    }
  }

  private take(): string[] {
    const q = this.queue;
    this.queue = [];
    this.queuedChars = 0;
    if (this.body.isPaused() && !this.cleaned) this.body.resume();
    return q;
  }

  next(): Promise<IteratorResult<string[], undefined>> {
    if (this.queue.length) return Promise.resolve({ value: this.take(), done: false });
    if (this.failure) return Promise.reject(this.failure);
    if (this.finished || this.cleaned) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** Stops reading (idempotent): the connection is kept after [DONE], closed otherwise. */
  return(): Promise<IteratorResult<string[], undefined>> {
    this.queue = [];
    this.cleanup();
    this.deliver();
    return Promise.resolve({ value: undefined, done: true });
  }

  private cleanup() {
    if (this.cleaned) return;
    this.cleaned = true;
    this.dl.clear();
    this.body.off("data", this.onData);
    this.body.off("end", this.onEnd);
    this.body.off("error", this.onBroken);
    this.body.off("close", this.onBroken);
    // After [DONE] the body's last bytes (the end of the chunked encoding) are usually
    // already here: reading them to the end keeps the connection for the next request.
    // Otherwise (failed, cancelled, abandoned) the connection is closed.
    if (this.finished) this.res.release();
    else this.res.cancel();
  }
}
