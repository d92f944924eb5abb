import { ApiError, errorResponse } from "./errors";
import { apiResponseHeaders } from "./with-api-key";
import { newId } from "@/lib/ids";

// /v1 answers that need no key: a path that is no endpoint (404) and a method an endpoint
// does not take (405). Both in the OpenAI error shape the SDKs parse, with the headers
// every /v1 response carries, instead of the site's HTML page or Next's empty 405.

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
const METHODS: readonly Method[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
type Handler = (req: Request) => Response;

/** An answer given before any key is looked at: a fresh request id and the /v1 headers. */
const keyless = (error: ApiError) => errorResponse(error, apiResponseHeaders(newId("req")));

export function notFound(req: Request): Response {
  const { pathname } = new URL(req.url);
  return keyless(new ApiError("not_found", `Invalid URL (${req.method} ${pathname}): there is no such endpoint. The API reference at /docs lists them.`));
}

/**
 * Handlers for every method a route does not take, each a 405 naming the ones it does
 * (also in `Allow`). Spread into the route's exports:
 * `export const { GET, PUT, PATCH, DELETE } = otherMethods("POST");`
 */
export function otherMethods<A extends Method>(...allowed: A[]): Record<Exclude<Method, A>, Handler> {
  const allow = allowed.join(", ");
  const refuse: Handler = (req) => {
    const { pathname } = new URL(req.url);
    return keyless(new ApiError("method_not_allowed", `${pathname} does not take ${req.method}; use ${allowed.join(" or ")}.`, { headers: { allow } }));
  };
  const handlers = {} as Record<Exclude<Method, A>, Handler>;
  for (const m of METHODS) if (!(allowed as Method[]).includes(m)) handlers[m as Exclude<Method, A>] = refuse;
  return handlers;
}
