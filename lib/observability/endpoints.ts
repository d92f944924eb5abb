import { timingSafeEqual } from "node:crypto";
import { env } from "@/lib/env";
import { readiness } from "./health";
import { metricsExposition } from "./metrics";

// The operator's endpoints, answered by app/healthz, app/readyz and app/metrics (thin
// route handlers). Unauthenticated (health) or behind METRICS_TOKEN (metrics); proxy.ts lets
// them through untouched; none of them is rate limited or billed.

const NO_STORE = { "cache-control": "no-store" };

export function healthzResponse(): Response {
  return Response.json({ status: "ok" }, { headers: NO_STORE });
}

export async function readyzResponse(): Promise<Response> {
  const r = await readiness();
  return Response.json({ status: r.status, failing: r.failing, checks: r.checks }, { status: r.ready ? 200 : 503, headers: NO_STORE });
}

function tokenMatches(header: string | null, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!m) return false;
  const given = Buffer.from(m[1]);
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** Prometheus text exposition; 404 when METRICS_TOKEN is not configured, 401 without it. */
export async function metricsResponse(req: Request): Promise<Response> {
  const token = env().METRICS_TOKEN;
  if (!token) return new Response("Not Found\n", { status: 404, headers: { "content-type": "text/plain; charset=utf-8", ...NO_STORE } });
  if (!tokenMatches(req.headers.get("authorization"), token)) {
    return new Response("Unauthorized: send Authorization: Bearer <METRICS_TOKEN>\n", {
      status: 401,
      headers: { "content-type": "text/plain; charset=utf-8", "www-authenticate": 'Bearer realm="metrics"', ...NO_STORE },
    });
  }
  const { text, contentType, scope } = await metricsExposition();
  return new Response(text, { headers: { "content-type": contentType, "x-metrics-scope": scope, ...NO_STORE } });
}
