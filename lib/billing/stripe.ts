import Stripe from "stripe";
import { stripeConfig, type StripeConfig } from "./config";

// Pinned so a Stripe SDK upgrade never silently changes the shapes we read. It is the
// version stripe@23.1.0 was generated against, and the one the emulator answers with.
export const STRIPE_API_VERSION = "2026-10-28.endive" as const;

export function createStripeClient(cfg: Pick<StripeConfig, "secretKey" | "emulatorUrl">): Stripe {
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

// One client per process (the SDK keeps a connection pool), created on first use so that
// `next build` never needs configuration.
const g = globalThis as unknown as { __stripe?: Stripe };

export function getStripe(): Stripe {
  g.__stripe ??= createStripeClient(stripeConfig());
  return g.__stripe;
}
