import { env, type Env } from "@/lib/env";
import { EMULATOR_DEFAULTS } from "./emulator/defaults";

// Real Stripe when the three STRIPE_* variables are set (lib/env.ts insists on all or
// none), otherwise the project's own Stripe test emulator with its embedded keys.

export const DEFAULT_EMULATOR_URL = "http://127.0.0.1:12111";

export type StripeConfig = {
  mode: "stripe" | "emulator";
  secretKey: string;
  publishableKey: string;
  webhookSecret: string;
  /** Where the server reaches the emulator; null on real Stripe. */
  emulatorUrl: string | null;
  /** Where browsers reach the emulator (its API and its Stripe.js stand-in); null on real Stripe. */
  emulatorPublicUrl: string | null;
};

export function stripeConfig(e: Env = env()): StripeConfig {
  if (e.STRIPE_SECRET_KEY && e.NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY && e.STRIPE_WEBHOOK_SECRET) {
    return {
      mode: "stripe",
      secretKey: e.STRIPE_SECRET_KEY,
      publishableKey: e.NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY,
      webhookSecret: e.STRIPE_WEBHOOK_SECRET,
      emulatorUrl: null,
      emulatorPublicUrl: null,
    };
  }
  const emulatorUrl = (e.STRIPE_EMULATOR_URL ?? DEFAULT_EMULATOR_URL).replace(/\/$/, "");
  return {
    mode: "emulator",
    secretKey: EMULATOR_DEFAULTS.secretKey,
    publishableKey: EMULATOR_DEFAULTS.publishableKey,
    webhookSecret: EMULATOR_DEFAULTS.webhookSecret,
    emulatorUrl,
    emulatorPublicUrl: (e.STRIPE_EMULATOR_PUBLIC_URL ?? emulatorUrl).replace(/\/$/, ""),
  };
}

/** What the browser needs to load Stripe.js (or the stand-in): safe to pass to client components. */
export type PublicStripeConfig = { mode: StripeConfig["mode"]; publishableKey: string; standInScriptUrl: string | null; emulatorApiUrl: string | null };

export function publicStripeConfig(cfg: StripeConfig = stripeConfig()): PublicStripeConfig {
  return {
    mode: cfg.mode,
    publishableKey: cfg.publishableKey,
    standInScriptUrl: cfg.mode === "emulator" ? "/stripe-emulator/stripe.js" : null,
    emulatorApiUrl: cfg.emulatorPublicUrl,
  };
}
