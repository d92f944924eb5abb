import { env, type Env } from "@/lib/env";

// Which Stripe the app talks to:
//  - "stripe": the three STRIPE_* variables are set (lib/env.ts insists on all or none);
//  - "emulator": the Stripe test emulator (devtools/stripe-emulator, started by
//    scripts/start.mjs, the e2e server and tests), reached with the stripe SDK at
//    STRIPE_EMULATOR_URL with the keys it was started with (STRIPE_EMULATOR_*, made per
//    installation). In production only with STRIPE_EMULATOR_IN_PRODUCTION=1: anyone could
//    "pay" with a test card for real credit;
//  - "off": neither. The billing page says payments are not configured, top-ups and card
//    set-ups are refused and every webhook is refused (there is no secret to check it with).

export const DEFAULT_EMULATOR_URL = "http://127.0.0.1:12111";

export type StripeConfig =
  | {
      mode: "stripe" | "emulator";
      secretKey: string;
      publishableKey: string;
      webhookSecret: string;
      /** Where the server reaches the emulator; null on real Stripe. */
      emulatorUrl: string | null;
      /** Where browsers reach the emulator (its API and its Stripe.js stand-in); null on real Stripe. */
      emulatorPublicUrl: string | null;
    }
  | { mode: "off"; reason: string; secretKey: null; publishableKey: null; webhookSecret: null; emulatorUrl: null; emulatorPublicUrl: null };

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
  const off = (reason: string): StripeConfig => ({
    mode: "off",
    reason,
    secretKey: null,
    publishableKey: null,
    webhookSecret: null,
    emulatorUrl: null,
    emulatorPublicUrl: null,
  });
  if (e.NODE_ENV === "production" && e.STRIPE_EMULATOR_IN_PRODUCTION !== "1") {
    return off("no Stripe keys are configured (STRIPE_SECRET_KEY, NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY, STRIPE_WEBHOOK_SECRET)");
  }
  if (!e.STRIPE_EMULATOR_SECRET_KEY || !e.STRIPE_EMULATOR_PUBLISHABLE_KEY || !e.STRIPE_EMULATOR_WEBHOOK_SECRET) {
    return off("neither Stripe keys nor the Stripe test emulator's keys are configured (run the app with `npm start`, which starts the emulator)");
  }
  const emulatorUrl = (e.STRIPE_EMULATOR_URL ?? DEFAULT_EMULATOR_URL).replace(/\/$/, "");
  return {
    mode: "emulator",
    secretKey: e.STRIPE_EMULATOR_SECRET_KEY,
    publishableKey: e.STRIPE_EMULATOR_PUBLISHABLE_KEY,
    webhookSecret: e.STRIPE_EMULATOR_WEBHOOK_SECRET,
    emulatorUrl,
    emulatorPublicUrl: (e.STRIPE_EMULATOR_PUBLIC_URL ?? emulatorUrl).replace(/\/$/, ""),
  };
}

/** True when the app takes money (real Stripe, or the emulator where it is allowed). */
export function paymentsEnabled(cfg: StripeConfig = stripeConfig()): cfg is Extract<StripeConfig, { mode: "stripe" | "emulator" }> {
  return cfg.mode !== "off";
}

/** What the browser needs to load Stripe.js (or the stand-in): safe to pass to client components. */
export type PublicStripeConfig =
  | { mode: "stripe" | "emulator"; publishableKey: string; standInScriptUrl: string | null; emulatorApiUrl: string | null }
  | { mode: "off"; publishableKey: null; standInScriptUrl: null; emulatorApiUrl: null };

export function publicStripeConfig(cfg: StripeConfig = stripeConfig()): PublicStripeConfig {
  if (cfg.mode === "off") return { mode: "off", publishableKey: null, standInScriptUrl: null, emulatorApiUrl: null };
  return {
    mode: cfg.mode,
    publishableKey: cfg.publishableKey,
    // The emulator serves its Stripe.js stand-in itself, at Stripe.js's own path.
    standInScriptUrl: cfg.mode === "emulator" && cfg.emulatorPublicUrl ? `${cfg.emulatorPublicUrl}/v3/` : null,
    emulatorApiUrl: cfg.emulatorPublicUrl,
  };
}

/** Said at start when payments would be fake in production, so nobody misses it. */
export function emulatorInProductionWarning(cfg: StripeConfig = stripeConfig(), e: Env = env()): string | null {
  if (cfg.mode !== "emulator" || e.NODE_ENV !== "production") return null;
  // `npm start` on a developer's machine (scripts/start.mjs): `next start` always runs with
  // NODE_ENV=production, but nothing is deployed; the emulator is this run's payment backend.
  if (e.METERED_LOCAL_RUN === "1") {
    return "[metered] Payments are simulated on this local run: the Stripe test emulator takes them (test card 4242 4242 4242 4242); no real money moves.";
  }
  const bar = "!".repeat(78);
  return [
    bar,
    "!! PAYMENTS ARE FAKE: the Stripe test emulator runs in production (STRIPE_EMULATOR_IN_PRODUCTION=1).",
    "!! Anyone can top up with a test card (4242 4242 4242 4242) and get real credit and the Paid tier.",
    "!! Fine on your own machine; never on a public deployment. Set STRIPE_SECRET_KEY,",
    "!! NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET, and unset STRIPE_EMULATOR_IN_PRODUCTION.",
    bar,
  ].join("\n");
}
