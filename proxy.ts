import NextAuth from "next-auth";
import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";
import { authConfig } from "@/lib/auth/config";
import { authSecret } from "@/lib/auth/secret";
import { securityHeaders } from "@/lib/security/headers";

// Runs before every request except Next's static assets:
//  - signed-out visitors to /dashboard and /admin are sent to /login before any page code
//    runs. Pages check the session again themselves (lib/auth/session.ts): this is the
//    first gate, not the only one;
//  - every response gets the security headers (CSP allowing Stripe.js, nosniff, referrer
//    policy, no framing): lib/security/headers.ts.
const { auth } = NextAuth(() => ({ ...authConfig, secret: authSecret() }));
const gate = auth as unknown as (req: NextRequest, ev: NextFetchEvent) => Promise<Response>;

let headersOnce: Record<string, string> | undefined;

// Route handlers under /dashboard answer 401 themselves (a redirect to a login page is
// no answer for a download or a script).
const ROUTE_HANDLERS = new Set(["/dashboard/usage/export"]);

/**
 * Server actions from another origin (CSRF). Next.js refuses them too, but with a 500 and
 * an error in the log; here they get a plain 403 before any page code runs. Same rule as
 * Next's: the Origin's host must be the Host (or X-Forwarded-Host) the request came to.
 */
function foreignServerAction(req: NextRequest): boolean {
  if (req.method !== "POST" || !req.headers.has("next-action")) return false;
  const origin = req.headers.get("origin");
  if (origin === null) return false; // not a browser; Next applies its own checks
  const host = req.headers.get("x-forwarded-host")?.split(",")[0].trim() || req.headers.get("host");
  try {
    return new URL(origin).host !== host;
  } catch {
    return true; // "null" (sandboxed frames, some redirects) or garbage
  }
}

export default async function proxy(req: NextRequest, ev: NextFetchEvent): Promise<Response> {
  const { pathname } = req.nextUrl;
  if (foreignServerAction(req)) {
    const refused = new Response("Forbidden: cross-origin server action", { status: 403, headers: { "content-type": "text/plain" } });
    for (const [k, v] of Object.entries((headersOnce ??= securityHeaders()))) refused.headers.set(k, v);
    return refused;
  }
  const gated =
    !ROUTE_HANDLERS.has(pathname) &&
    (pathname === "/dashboard" || pathname.startsWith("/dashboard/") || pathname === "/admin" || pathname.startsWith("/admin/"));
  const res = gated ? await gate(req, ev) : NextResponse.next();
  if (gated && res.status < 300) {
    // Auth.js re-issues the session cookie on every request it checks. A dashboard request
    // still in flight (a prefetch, a refresh) when the user signs out would then bring the
    // session back after sign-out deleted it. Sessions therefore last maxAge from sign-in.
    res.headers.delete("set-cookie");
    res.headers.delete("x-middleware-set-cookie");
  }
  headersOnce ??= securityHeaders();
  for (const [k, v] of Object.entries(headersOnce)) res.headers.set(k, v);
  return res;
}

// Not for the model API (/v1/…): withApiKey sets the same security headers itself, and an
// API request has nothing else to do here (no session, no pages, no server actions), so it
// skips the middleware pass. Nor for the benchmark's bare routes (/bench/…), which stand in
// for a plain route handler. Nor for the operator's endpoints (/healthz, /readyz, /metrics:
// lib/observability/endpoints.ts), which must answer a balancer or a scraper without a
// session and as cheaply as possible.
export const config = { matcher: ["/((?!_next/static|_next/image|favicon.ico|v1/|bench/|healthz$|readyz$|metrics$).*)"] };
