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

export default async function proxy(req: NextRequest, ev: NextFetchEvent): Promise<Response> {
  const { pathname } = req.nextUrl;
  const gated =
    !ROUTE_HANDLERS.has(pathname) &&
    (pathname === "/dashboard" || pathname.startsWith("/dashboard/") || pathname === "/admin" || pathname.startsWith("/admin/"));
  const res = gated ? await gate(req, ev) : NextResponse.next();
  headersOnce ??= securityHeaders();
  for (const [k, v] of Object.entries(headersOnce)) res.headers.set(k, v);
  return res;
}

export const config = { matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"] };
