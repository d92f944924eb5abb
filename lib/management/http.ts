import type { z } from "zod";
import { getDb, type Db } from "@/db/client";
import { looksLikeApiKey } from "@/lib/api-keys";
import { errorResponse, toApiError } from "@/lib/api/errors";
import { ApiError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { limit, rateLimitHeaders } from "@/lib/ratelimit";
import { securityHeaders } from "@/lib/security/headers";
import { findActiveManagementKey, noteManagementKeyUsed, type ManagementKeyPrincipal } from "./keys";

// The one wrapper of every /api/v1 route (the management API): request id, management-key
// auth, the per-key rate limit, and one catch that answers everything thrown in the same
// JSON error shape as /v1 (lib/errors.ts). Nothing becomes a 500 but a bug.

/** Requests per minute per management key (fixed window, the /v1 limiter: lib/ratelimit). */
export const MANAGEMENT_RATE_LIMIT_PER_MINUTE = 120;

export type ManagementContext<P> = { req: Request; db: Db; mkey: ManagementKeyPrincipal; params: P; requestId: string };
type RouteContext<P> = { params?: Promise<P> };

function unauthorized(message: string): ApiError {
  return new ApiError("invalid_api_key", message, { headers: { "www-authenticate": 'Bearer realm="management"' } });
}

/** The management key of the request, or a 401 that says what was wrong (a model key says so). */
export async function authenticateManagement(db: Db, req: Request): Promise<ManagementKeyPrincipal> {
  const header = req.headers.get("authorization");
  if (!header)
    throw unauthorized(
      "You didn't provide a management key. Send it as 'Authorization: Bearer sk-mt-admin-…'; owners and admins create them in the organization's settings.",
    );
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw unauthorized("Malformed Authorization header: expected 'Bearer sk-mt-admin-…'.");
  if (looksLikeApiKey(m[1])) {
    throw unauthorized(
      "This is a model API key (sk-mt-…): it calls /v1. The management API (/api/v1) needs a management key (sk-mt-admin-…), created by an owner or admin in the organization's settings.",
    );
  }
  const key = await findActiveManagementKey(db, m[1]);
  if (!key) {
    throw unauthorized("Incorrect management key provided, or the key was revoked, or whoever created it is no longer an owner or admin of the organization.");
  }
  return key;
}

/** The body (JSON) or the query, parsed by the schema; a 400 naming the first bad parameter otherwise. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
  const param = keys.length ? keys[0] : issue.path.length ? issue.path.join(".") : null;
  const what = keys.length ? `unknown parameter ${keys.map((k) => `'${k}'`).join(", ")}` : issue.message;
  throw new ApiError("invalid_request", param && !keys.length ? `Invalid '${param}': ${what}.` : `Invalid request: ${what}.`, { param });
}

export async function readJson(req: Request): Promise<unknown> {
  const text = await req.text();
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError("invalid_json", "The request body is not valid JSON.");
  }
}

export function queryOf(req: Request): Record<string, string> {
  return Object.fromEntries(new URL(req.url).searchParams);
}

export function withManagementKey<P = Record<string, string>>(handler: (ctx: ManagementContext<P>) => Promise<Response>) {
  return async function route(req: Request, routeCtx?: RouteContext<P>): Promise<Response> {
    const requestId = newId("req");
    const headers = new Headers({ "x-request-id": requestId, "cache-control": "no-store", ...securityHeaders() });
    try {
      const db = await getDb();
      const mkey = await authenticateManagement(db, req);
      const rl = await limit(`mgmt:${mkey.id}`, { limit: MANAGEMENT_RATE_LIMIT_PER_MINUTE, windowSeconds: 60 });
      for (const [k, v] of Object.entries(rateLimitHeaders(rl))) headers.set(k, v);
      if (!rl.allowed) {
        const wait = Math.max(1, rl.retryAfterSeconds ?? 1);
        throw new ApiError(
          "rate_limit_exceeded",
          `Rate limit reached: ${MANAGEMENT_RATE_LIMIT_PER_MINUTE} requests per minute for this management key. Try again in ${wait} second${wait === 1 ? "" : "s"} (see the Retry-After header).`,
          { headers: { "retry-after": String(wait) } },
        );
      }
      await noteManagementKeyUsed(db, mkey.id);
      const res = await handler({ req, db, mkey, params: ((await routeCtx?.params) ?? {}) as P, requestId });
      headers.forEach((v, k) => res.headers.set(k, v));
      return res;
    } catch (err) {
      const { error, unexpected } = toApiError(err, requestId);
      if (unexpected) console.error(`[management] ${requestId} ${req.method} ${new URL(req.url).pathname} failed:`, err);
      return errorResponse(error, headers);
    }
  };
}

export function json(body: unknown, status = 200): Response {
  return Response.json(body, { status });
}
