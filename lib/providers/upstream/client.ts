import { ApiError } from "@/lib/api/errors";
import type { UpstreamConfig } from "@/lib/catalog";

// The HTTP side of the OpenAI-compatible upstream provider, shared by every modality.
// Node's fetch (undici) keeps connections to the upstream alive and pooled. Every call
// carries an AbortSignal: the client going away cancels the upstream request, and a
// timer turns a silent upstream into a 504. Upstream error bodies are summarised, never
// relayed raw (they can contain internal hostnames or keys).

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

async function upstreamErrorFor(res: Response): Promise<ApiError> {
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

/**
 * Sends one request upstream and resolves with the (2xx) response once headers arrived.
 * The returned deadline is still armed: callers reading a body call `reset()` per chunk
 * and `clear()` when done.
 */
export async function callUpstream(config: UpstreamConfig, call: UpstreamCall): Promise<{ res: Response; deadline: Deadline }> {
  const dl = deadline(config.timeoutMs, call.signal);
  const headers: Record<string, string> = { accept: call.accept ?? "application/json" };
  if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
  let body: BodyInit;
  if (call.body instanceof FormData) body = call.body;
  else {
    headers["content-type"] = "application/json";
    body = JSON.stringify(call.body);
  }
  let res: Response;
  try {
    res = await fetch(config.baseUrl + call.path, { method: "POST", headers, body, signal: dl.signal });
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
    return { bytes: new Uint8Array(await res.arrayBuffer()), contentType: res.headers.get("content-type") };
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
export async function* readSse(res: Response, dl: Deadline, timeoutMs: number): AsyncGenerator<unknown> {
  if (!res.body) throw new ApiError("upstream_error", "The upstream stream had no body.");
  // Decoded here rather than through a TextDecoderStream: one stream hop less per chunk,
  // which shows in the time to first chunk (npm run bench -- gateway).
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let finished = false;
  try {
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (err) {
        throw dl.timedOut() ? timeoutError(timeoutMs) : new ApiError("upstream_error", "The upstream stream broke off mid-way.", { cause: err });
      }
      if (r.done) throw new ApiError("upstream_error", "The upstream stream ended before it was complete.");
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
    if (finished) void drainThenRelease(reader);
    else reader.cancel().catch(() => {});
  }
}

/**
 * After [DONE] the body's last bytes (the end of the chunked encoding) are usually already
 * here or a moment away. Reading them to the end, instead of cancelling, lets undici keep
 * the upstream connection alive for the next request; cancelling a body that has not ended
 * closes the socket, and every streamed request then paid for a new connection (seen as
 * ~3 ms on the time to first chunk of back-to-back streams, npm run bench -- gateway).
 * Bounded: an upstream that keeps the body open after [DONE] is cut off after 1 s.
 */
async function drainThenRelease(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  const timer = setTimeout(() => void reader.cancel().catch(() => {}), 1_000);
  try {
    for (let i = 0; i < 16; i++) if ((await reader.read()).done) return;
    await reader.cancel();
  } catch {
    // cancelled by the timer, or the connection went away: nothing to do
  } finally {
    clearTimeout(timer);
  }
}
