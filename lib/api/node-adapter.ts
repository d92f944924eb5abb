import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { ApiError, errorResponse } from "./errors";

// Serves a route handler (a function from a web Request to a web Response, the same one
// Next.js calls) straight from node:http's request and response objects. The model API's
// hot routes are served this way in production (app/v1/direct.ts, installed from
// instrumentation-node.ts), without Next.js's per-request pipeline: its request and work
// stores, the NextRequest wrapper, and the web-stream pipe that copies every streamed chunk
// (docs/benchmarks.md, "Serving /v1 beside Next.js"). The handler is unchanged; what this
// module owes it is what Next.js gave it:
//   - the request: method, URL, headers (with the peer address already stamped), the body
//     as a stream read on demand, and a signal that aborts when the client goes away;
//   - the response: status, headers and body written as they come, never buffered ahead of
//     the client (a write waits for 'drain'), and the body cancelled when the client goes
//     away, which is how a metered stream learns to settle to what was delivered.

export type WebHandler = (req: Request) => Promise<Response> | Response;

/** The web Request a route handler expects, for a node:http request. */
export function webRequest(req: IncomingMessage, signal: AbortSignal): Request {
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
    body: Readable.toWeb(req) as ReadableStream<Uint8Array>,
    duplex: "half",
  } as RequestInit);
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
    response = errorResponse(new ApiError("internal_error", "The server had an error while processing your request. Retry it; if it keeps failing, contact support."));
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
  try {
    let chunk = await reader.read();
    if (!streamed && !chunk.done) {
      // A whole answer (JSON, audio, an image) usually arrives in one piece: sent with its
      // length in one write rather than chunked. A stream's first chunk goes out at once.
      const next = await reader.read();
      if (next.done) {
        if (!res.hasHeader("content-length")) res.setHeader("content-length", chunk.value.byteLength);
        res.end(chunk.value);
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
    // The body failed mid-way (its producer errored): the client sees the connection cut,
    // as it would from Next.js.
    res.destroy(err instanceof Error ? err : new Error(String(err)));
  } finally {
    clientGone.removeEventListener("abort", cancel);
  }
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
