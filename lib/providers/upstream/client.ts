import http from "node:http";
import https from "node:https";
import { ApiError } from "@/lib/api/errors";
import type { UpstreamConfig } from "@/lib/catalog";

// The HTTP side of the OpenAI-compatible upstream provider, shared by every modality.
//
// node:http with keep-alive agents, not fetch(): on this path fetch's WHATWG layers
// (Request, Headers, web streams, body mixins) cost ~200 µs of CPU per call where
// http.request costs ~35 µs, measured side by side against the bench upstream (npm run
// bench -- gateway, docs/benchmarks.md); at a few hundred requests per second per core
// that difference is most of what the metered path added over a bare Next.js route.
// Connections are pooled and kept alive (one agent per protocol, no socket cap). Every
// call carries an AbortSignal: the client going away cancels the upstream request, and a
// timer turns a silent upstream into a 504. Upstream error bodies are summarised, never
// relayed raw (they can contain internal hostnames or keys).

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
  /** Body chunks as they arrive. Leaving the loop early does not close the connection (see release()). */
  chunks(): AsyncIterableIterator<Buffer> {
    return this.res.iterator({ destroyOnReturn: false }) as AsyncIterableIterator<Buffer>;
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
  /** Relative to UPSTREAM_BASE_URL, e.g. "/chat/completions". */
  path: string;
  /** JSON object (sent as application/json) or FormData (multipart). */
  body: Record<string, unknown> | FormData;
  /** Aborted when our client goes away. */
  signal: AbortSignal;
  accept?: string;
};

/**
 * A deadline that can be pushed back (each streamed chunk resets it) and that aborts the
 * request it guards. `signal` aborts on the client's signal too.
 */
export function deadline(ms: number, parent: AbortSignal) {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onParent = () => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener("abort", onParent, { once: true });
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new UpstreamTimeout(ms)), ms);
  };
  arm();
  return {
    signal: controller.signal,
    reset: arm,
    clear() {
      clearTimeout(timer);
      parent.removeEventListener("abort", onParent);
    },
    abort: (reason?: unknown) => controller.abort(reason),
    timedOut: () => controller.signal.reason instanceof UpstreamTimeout,
  };
}
export type Deadline = ReturnType<typeof deadline>;

export function timeoutError(ms: number): ApiError {
  return new ApiError("upstream_timeout", `The upstream model server did not answer within ${Math.round(ms / 1000)} s; nothing was charged for unanswered work.`);
}

/** Maps a network failure (not an HTTP status) to our error. */
export function networkError(err: unknown, dl: Deadline, ms: number): ApiError {
  if (dl.timedOut()) return timeoutError(ms);
  if (dl.signal.aborted) return new ApiError("upstream_error", "The request was cancelled before the upstream answered.", { cause: err });
  return new ApiError("upstream_error", "Could not reach the upstream model server.", { cause: err });
}

async function upstreamErrorFor(res: UpstreamResponse): Promise<ApiError> {
  let detail = "";
  try {
    const text = (await res.text()).slice(0, 4096);
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const msg = typeof parsed.error === "string" ? parsed.error : (parsed.error?.message ?? parsed.message);
    if (typeof msg === "string") detail = msg.slice(0, 300);
  } catch {}
  // The client's request was refused as invalid by the upstream: their problem, a 400.
  if ([400, 404, 413, 422].includes(res.status)) {
    return new ApiError("invalid_request", `The upstream model rejected the request${detail ? `: ${detail}` : ` (HTTP ${res.status})`}.`);
  }
  if (res.status === 401 || res.status === 403) {
    return new ApiError("upstream_error", "The upstream model server refused our credentials; the operator has to fix UPSTREAM_API_KEY.");
  }
  // Server-side failures can describe the upstream's internals: keep them to our log.
  if (detail) console.error(`[upstream] HTTP ${res.status}: ${detail}`);
  return new ApiError("upstream_error", `The upstream model server failed (HTTP ${res.status}); nothing was charged.`);
}

/** The request body as bytes, with its content type (FormData is encoded as multipart). */
async function encodeBody(body: Record<string, unknown> | FormData): Promise<{ bytes: Buffer; contentType: string }> {
  if (!(body instanceof FormData)) return { bytes: Buffer.from(JSON.stringify(body)), contentType: "application/json" };
  const encoded = new Response(body); // the platform's multipart encoder, boundary included
  return { bytes: Buffer.from(await encoded.arrayBuffer()), contentType: encoded.headers.get("content-type")! };
}

/**
 * Sends one request upstream and resolves with the (2xx) response once headers arrived.
 * The returned deadline is still armed: callers reading a body call `reset()` per chunk
 * and `clear()` when done.
 */
export async function callUpstream(config: UpstreamConfig, call: UpstreamCall): Promise<{ res: UpstreamResponse; deadline: Deadline }> {
  const dl = deadline(config.timeoutMs, call.signal);
  let res: UpstreamResponse;
  try {
    const { bytes, contentType } = await encodeBody(call.body);
    const url = new URL(config.baseUrl + call.path);
    const headers: http.OutgoingHttpHeaders = { accept: call.accept ?? "application/json", "content-type": contentType, "content-length": bytes.byteLength };
    if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
    res = await send(url, { method: "POST", headers, signal: dl.signal }, bytes);
  } catch (err) {
    dl.clear();
    throw networkError(err, dl, config.timeoutMs);
  }
  if (!res.ok) {
    const error = await upstreamErrorFor(res).finally(() => dl.clear());
    throw error;
  }
  return { res, deadline: dl };
}

/** callUpstream + read a JSON body within the same deadline. */
export async function callUpstreamJson<T = Record<string, unknown>>(config: UpstreamConfig, call: UpstreamCall): Promise<T> {
  const { res, deadline: dl } = await callUpstream(config, call);
  try {
    return (await res.json()) as T;
  } catch (err) {
    if (dl.signal.aborted) throw networkError(err, dl, config.timeoutMs);
    throw new ApiError("upstream_error", "The upstream model server answered with invalid JSON.", { cause: err });
  } finally {
    dl.clear();
  }
}

/** callUpstream + read a binary body (e.g. speech audio) within the same deadline. */
export async function callUpstreamBytes(config: UpstreamConfig, call: UpstreamCall): Promise<{ bytes: Uint8Array; contentType: string | null }> {
  const { res, deadline: dl } = await callUpstream(config, call);
  try {
    return { bytes: new Uint8Array(await res.bytes()), contentType: res.header("content-type") };
  } catch (err) {
    throw networkError(err, dl, config.timeoutMs);
  } finally {
    dl.clear();
  }
}

/**
 * Server-sent events from an upstream response, one parsed `data:` payload at a time.
 * Stops at `[DONE]`; a stream that ends without it, or stalls past the deadline, throws.
 */
export async function* readSse(res: UpstreamResponse, dl: Deadline, timeoutMs: number): AsyncGenerator<unknown> {
  const chunks = res.chunks();
  const decoder = new TextDecoder();
  let buffer = "";
  let finished = false;
  try {
    for (;;) {
      let r: IteratorResult<Buffer>;
      try {
        r = await chunks.next();
      } catch (err) {
        throw dl.timedOut() ? timeoutError(timeoutMs) : new ApiError("upstream_error", "The upstream stream broke off mid-way.", { cause: err });
      }
      if (r.done) {
        if (dl.timedOut()) throw timeoutError(timeoutMs);
        throw new ApiError("upstream_error", "The upstream stream ended before it was complete.");
      }
      dl.reset();
      buffer += decoder.decode(r.value, { stream: true }).replace(/\r\n/g, "\n");
      let cut: number;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = event
          .split("\n")
          .filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).replace(/^ /, ""))
          .join("\n");
        if (!data) continue;
        if (data.trim() === "[DONE]") {
          finished = true;
          return;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(data);
        } catch {
          throw new ApiError("upstream_error", "The upstream stream sent an event that is not JSON.");
        }
        yield parsed;
      }
    }
  } finally {
    dl.clear();
    // After [DONE] the body's last bytes (the end of the chunked encoding) are usually
    // already here: reading them to the end keeps the connection for the next request.
    // Otherwise (failed, cancelled, abandoned) the connection is closed.
    if (finished) res.release();
    else res.cancel();
  }
}
