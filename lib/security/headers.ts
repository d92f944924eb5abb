import { stripeConfig, type StripeConfig } from "@/lib/billing/config";

// The security headers every page and API response carries (set in proxy.ts, and for the
// model API, which skips proxy.ts, in lib/api/with-api-key.ts; at request
// time, because the Stripe emulator's origin is runtime configuration).
//
// Content-Security-Policy: scripts only from us and Stripe.js (js.stripe.com, whose
// Payment Element lives in frames from js.stripe.com / hooks.stripe.com and talks to
// api.stripe.com). On the Stripe test emulator the Stripe.js stand-in is our own file
// (/stripe-emulator/stripe.js) and calls the emulator's API, so that origin is allowed to
// be fetched. 'unsafe-inline' for scripts is needed by Next's inline bootstrap scripts on
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
  if (stripe.mode === "emulator" && stripe.emulatorPublicUrl) connect.push(new URL(stripe.emulatorPublicUrl).origin);
  if (dev) connect.push("ws:", "wss:"); // next dev's hot reload
  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    // 'unsafe-eval' only in development (React's dev tooling); never in production.
    "script-src": ["'self'", "'unsafe-inline'", STRIPE_JS, ...(dev ? ["'unsafe-eval'"] : [])],
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

export function securityHeaders(): Record<string, string> {
  return {
    "content-security-policy": contentSecurityPolicy(),
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
  };
}
