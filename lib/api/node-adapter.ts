import type { IncomingMessage, ServerResponse } from "node:http";
import { promisify } from "node:util";
import zlib from "node:zlib";
import { ApiError, errorResponse } from "./errors";

// Serves a route handler (a function from a web Request to a web Response, the same one
// Next.js calls) straight from node:http's request and response objects. The model API's
// hot routes are served this way in production (app/v1/direct.ts, installed from
// instrumentation-node.ts), without Next.js's per-request pipeline: its request and work
// stores, the NextRequest wrapper, and the web-stream pipe that copies every streamed chunk
// (docs/architecture.md, "Serving the model API beside Next.js"; figures in
// docs/benchmarks.md). The handler is unchanged; what this
// module owes it is what Next.js gave it:
//   - the request: method, URL, headers (with the peer address already stamped), the body
//     as a stream read on demand, and a signal that aborts when the client goes away;
//   - the response: status, headers and body written as they come, never buffered ahead of
//     the client (a write waits for 'drain'), and the body cancelled when the client goes
//     away, which is how a metered stream learns to settle to what was delivered.

export type WebHandler = (req: Request) => Promise<Response> | Response;

/** The web Request a route handler expects, for a node:http request. */
function webRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const name in req.headers) {
    const value = req.headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  const method = req.method ?? "GET";
  const url = `http://${req.headers.host || "localhost"}${req.url ?? "/"}`;
  if (method === "GET" || method === "HEAD") return new Request(url, { method, headers, signal });
  return new Request(url, {
    method,
    headers,
    signal,
    body: bodyStream(req),
    duplex: "half",
  } as RequestInit);
}

/**
 * The request body as a web stream, read from the socket only as the handler reads it. A
 * handler that stops early (a body over its size limit) cancels it: the rest is discarded
 * as it arrives, and the connection stays up for the answer (a 413 the client can read).
 */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  // Once cancelled, closed or errored, the stream takes nothing more from the request: the
  // request's later events ('end' after a cancel, say) must not touch a finished controller.
  let finished = false;
  const onData = (chunk: Buffer) => {
    if (finished) return;
    controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if ((controller.desiredSize ?? 0) <= 0) req.pause();
  };
  const finish = (how: () => void) => {
    if (finished) return;
    finished = true;
    req.off("data", onData);
    how();
  };
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        req.on("data", onData);
        req.once("end", () => finish(() => controller.close()));
        req.once("error", (err) => finish(() => controller.error(err)));
        req.once("aborted", () => finish(() => controller.error(new Error("The client closed the connection while sending the body."))));
        req.pause();
      },
      pull() {
        req.resume();
      },
      cancel() {
        finish(() => {});
        req.resume(); // the rest is read and discarded
      },
    },
    { highWaterMark: 1 },
  );
}

/**
 * Calls `handler` for this request and writes its response. Resolves once the response is
 * written or the client is gone; never rejects (a handler that throws, which ours do not,
 * gets a 500 in the OpenAI error shape).
 */
export async function serveWithNode(req: IncomingMessage, res: ServerResponse, handler: WebHandler): Promise<void> {
  const aborter = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) aborter.abort(new Error("The client closed the connection."));
  };
  res.once("close", onClose);
  let request: Request;
  try {
    request = webRequest(req, aborter.signal);
  } catch {
    return writeResponse(req, res, errorResponse(new ApiError("invalid_request", "The request's URL or Host header is not valid.")), aborter.signal);
  }
  let response: Response;
  try {
    response = await handler(request);
  } catch (err) {
    console.error(`[api] ${req.method} ${req.url} failed:`, err);
    response = errorResponse(
      new ApiError("internal_error", "The server had an error while processing your request. Retry it; if it keeps failing, contact support."),
    );
  }
  await writeResponse(req, res, response, aborter.signal);
}

async function writeResponse(req: IncomingMessage, res: ServerResponse, response: Response, clientGone: AbortSignal): Promise<void> {
  res.statusCode = response.status;
  for (const [name, value] of response.headers) {
    if (name === "set-cookie") res.setHeader(name, response.headers.getSetCookie());
    else res.setHeader(name, value);
  }
  const body = response.body;
  if (!body || req.method === "HEAD" || clientGone.aborted) {
    if (body) await body.cancel(clientGone.reason).catch(() => {});
    res.end();
    return;
  }
  const reader = body.getReader();
  const cancel = () => void reader.cancel(clientGone.reason).catch(() => {});
  clientGone.addEventListener("abort", cancel, { once: true });
  const streamed = (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
  // A stream's client learns it is connected before the model's first token.
  if (streamed) res.flushHeaders();
  try {
    let chunk = await reader.read();
    if (!streamed && !chunk.done) {
      // A whole answer (JSON, audio, an image) usually arrives in one piece: sent with its
      // length in one write rather than chunked. A stream's first chunk goes out at once.
      const next = await reader.read();
      if (next.done) {
        const out = gzipWanted(req, res, chunk.value.byteLength) ? await gzip(chunk.value) : chunk.value;
        if (out !== chunk.value) {
          res.setHeader("content-encoding", "gzip");
          res.removeHeader("content-length");
        }
        if (!res.hasHeader("content-length")) res.setHeader("content-length", out.byteLength);
        res.end(out);
        return;
      }
      if (!(await write(res, chunk.value))) return;
      chunk = next;
    }
    for (; !chunk.done; chunk = await reader.read()) {
      if (!(await write(res, chunk.value))) return;
    }
    res.end();
  } catch (err) {
    // The body failed mid-way (its producer errored): what was written still reaches the
    // client, then the connection closes without the body's end, so the client sees it cut.
    console.error(`[api] ${req.method} ${req.url}: the answer's body failed`, err);
    const socket = res.socket;
    if (socket && !socket.destroyed) socket.end();
    else res.destroy();
  } finally {
    clientGone.removeEventListener("abort", cancel);
  }
}

const gzip = promisify(zlib.gzip) as (data: Uint8Array) => Promise<Buffer>;
/** Smaller answers are sent as they are, like Next.js's compression (its 1 KiB threshold). */
const GZIP_MIN_BYTES = 1024;

/**
 * Whether a whole answer is gzipped, by the rules Next.js applied to these routes: the
 * client accepts gzip, the answer is JSON or text, not already encoded, not marked
 * `no-transform` (small answers and streams are, lib/api/small-body.ts), and 1 KiB or more.
 */
function gzipWanted(req: IncomingMessage, res: ServerResponse, size: number): boolean {
  res.appendHeader("vary", "Accept-Encoding");
  if (size < GZIP_MIN_BYTES || res.hasHeader("content-encoding")) return false;
  if (!acceptsGzip(String(req.headers["accept-encoding"] ?? ""))) return false;
  if (/\bno-transform\b/i.test(String(res.getHeader("cache-control") ?? ""))) return false;
  const type = String(res.getHeader("content-type") ?? "");
  return type.startsWith("application/json") || (type.startsWith("text/") && !type.startsWith("text/event-stream"));
}

/** "gzip, deflate" yes; "gzip;q=0" or "identity" no. */
function acceptsGzip(header: string): boolean {
  for (const part of header.split(",")) {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    if (coding !== "gzip" && coding !== "*") continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/** Writes one chunk; false once the client is gone. Waits for 'drain' when the socket is full. */
function write(res: ServerResponse, chunk: Uint8Array): Promise<boolean> | boolean {
  if (res.destroyed) return false;
  if (res.write(chunk)) return true;
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve(!res.destroyed);
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
