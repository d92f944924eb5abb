import { stripeConfig, type StripeConfig } from "@/lib/billing/config";

// The security headers every page and API response carries (set in proxy.ts, and for the
// model API, which skips proxy.ts, in lib/api/with-api-key.ts; at request
// time, because the Stripe emulator's origin is runtime configuration).
//
// Content-Security-Policy: scripts only from us and Stripe.js (js.stripe.com, whose
// Payment Element lives in frames from js.stripe.com / hooks.stripe.com and talks to
// api.stripe.com). On the Stripe test emulator the Stripe.js stand-in is served by the
// emulator itself (devtools/stripe-emulator) and calls the emulator's API, so that origin
// may serve scripts and be fetched; only in emulator mode, which production refuses unless
// the operator opted in (lib/billing/config.ts). 'unsafe-inline' for scripts is needed by Next's inline bootstrap scripts on
// statically rendered pages (a per-request nonce would force every page dynamic); the
// policy still blocks scripts from any other origin, plugins, <base> hijacking, foreign
// form targets and framing (clickjacking).

const STRIPE_JS = "https://js.stripe.com";
const STRIPE_FRAMES = ["https://js.stripe.com", "https://hooks.stripe.com"];
const STRIPE_CONNECT = ["https://api.stripe.com", "https://m.stripe.network", "https://q.stripe.com"];

export function contentSecurityPolicy(opts: { stripe?: StripeConfig; dev?: boolean } = {}): string {
  const stripe = opts.stripe ?? stripeConfig();
  const dev = opts.dev ?? process.env.NODE_ENV !== "production";
  const connect = ["'self'", ...STRIPE_CONNECT];
  const scripts = ["'self'", "'unsafe-inline'", STRIPE_JS];
  if (stripe.mode === "emulator" && stripe.emulatorPublicUrl) {
    const origin = new URL(stripe.emulatorPublicUrl).origin;
    connect.push(origin);
    scripts.push(origin);
  }
  if (dev) connect.push("ws:", "wss:"); // next dev's hot reload
  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    // 'unsafe-eval' only in development (React's dev tooling); never in production.
    "script-src": [...scripts, ...(dev ? ["'unsafe-eval'"] : [])],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:", "https://*.stripe.com"],
    "font-src": ["'self'", "data:"],
    "media-src": ["'self'", "data:", "blob:"],
    "connect-src": connect,
    "frame-src": STRIPE_FRAMES,
    "frame-ancestors": ["'none'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
  };
  return Object.entries(directives)
    .map(([k, v]) => `${k} ${v.join(" ")}`)
    .join("; ");
}

/**
 * HSTS: in production browsers must come back over https only, for two years, subdomains
 * included. Browsers ignore it on plain http (RFC 6797), so a local `npm start` over http
 * is unaffected. Not in development, where an https localhost would be pinned by mistake.
 */
export const HSTS = "max-age=63072000; includeSubDomains";

export function securityHeaders(opts: { production?: boolean } = {}): Record<string, string> {
  const production = opts.production ?? process.env.NODE_ENV === "production";
  return {
    "content-security-policy": contentSecurityPolicy(),
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    ...(production ? { "strict-transport-security": HSTS } : {}),
  };
}
