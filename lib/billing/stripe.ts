import Stripe from "stripe";
import { stripeConfig } from "./config";
import { BillingError } from "./errors";

// Pinned so a Stripe SDK upgrade never silently changes the shapes we read. It is the
// version stripe@23.1.0 was generated against, and the one the emulator answers with.
export const STRIPE_API_VERSION = "2026-10-28.endive" as const;

export function createStripeClient(cfg: { secretKey: string; emulatorUrl: string | null }): Stripe {
  const common = {
    apiVersion: STRIPE_API_VERSION,
    // Retries reuse the request's Idempotency-Key, so a retried create never doubles.
    maxNetworkRetries: 2,
    timeout: 20_000,
    appInfo: { name: "metered-api" },
  } satisfies Stripe.StripeConfig;
  if (!cfg.emulatorUrl) return new Stripe(cfg.secretKey, common);
  const u = new URL(cfg.emulatorUrl);
  return new Stripe(cfg.secretKey, {
    ...common,
    host: u.hostname,
    port: u.port || (u.protocol === "https:" ? 443 : 80),
    protocol: u.protocol === "https:" ? "https" : "http",
    telemetry: false,
  });
}

/** The refusal every payment path gives when payments are off (lib/billing/config.ts). */
export function paymentsNotConfigured(): BillingError {
  return new BillingError(
    "payments_not_configured",
    "Payments are not configured on this deployment, so no card can be added or charged. The operator must set the Stripe keys.",
  );
}

// One client per process (the SDK keeps a connection pool), created on first use so that
// `next build` never needs configuration. With payments off there is none: every caller
// gets the BillingError above.
const g = globalThis as unknown as { __stripe?: Stripe };

export function getStripe(): Stripe {
  if (g.__stripe) return g.__stripe;
  const cfg = stripeConfig();
  if (cfg.mode === "off") throw paymentsNotConfigured();
  g.__stripe = createStripeClient(cfg);
  return g.__stripe;
}
