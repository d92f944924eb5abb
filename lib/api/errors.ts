import { ApiError } from "@/lib/errors";
import { textBody } from "./small-body";

// The HTTP side of errors: ApiError as a response, and anything thrown mapped to one.
// ApiError and the code table live in lib/errors.ts (every layer imports them from there);
// they are re-exported here for the route handlers and older imports.

export { ApiError, ERROR_CODES, type ApiErrorCode, type OpenAIErrorBody } from "@/lib/errors";

export function errorResponse(err: ApiError, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  for (const [k, v] of Object.entries(err.headers)) h.set(k, v);
  h.set("content-type", "application/json");
  return new Response(textBody(JSON.stringify(err.toJSON()), h), { status: err.status, headers: h });
}

// Errors that mean "the database cannot be reached right now", not "our code is wrong":
// socket errors, postgres.js connection codes, and PostgreSQL's own class 08 (connection
// exception) and 57P0x (shutting down / starting up). Drizzle wraps driver errors, so the
// cause chain is walked.
const NETWORK_ERRNOS = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
const POSTGRES_JS_CODES = new Set(["CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT"]);

export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === "object" && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== "string") continue;
    if (NETWORK_ERRNOS.has(code) || POSTGRES_JS_CODES.has(code)) return true;
    if (/^08/.test(code) || code === "57P01" || code === "57P02" || code === "57P03") return true;
  }
  return false;
}

/** Maps anything thrown to an ApiError; `unexpected` is true when it was a bug (log it). */
export function toApiError(err: unknown, requestId: string): { error: ApiError; unexpected: boolean } {
  if (err instanceof ApiError) return { error: err, unexpected: false };
  // An outage, not a bug: 503 with Retry-After. Credit is reserved before any model work,
  // so a request that failed here either did no work or is settled/swept later.
  if (isDatabaseUnavailable(err)) {
    return {
      error: new ApiError("service_unavailable", `The service is temporarily unavailable; retry shortly (request id ${requestId}).`, {
        headers: { "retry-after": "1" },
      }),
      unexpected: false,
    };
  }
  return {
    error: new ApiError("internal_error", `The server had an error while processing your request (request id ${requestId}).`),
    unexpected: true,
  };
}
