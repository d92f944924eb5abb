import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { emulatorInProductionWarning, paymentsEnabled, publicStripeConfig, stripeConfig } from "./config";

// Issue 13 item 1: in production without Stripe keys payments are off, even if the
// emulator's keys are around, unless the operator opts in with one named setting.

const emulatorKeys = {
  STRIPE_EMULATOR_URL: "http://127.0.0.1:14999",
  STRIPE_EMULATOR_SECRET_KEY: "sk_test_emu_0123456789abcdefABCDEF",
  STRIPE_EMULATOR_PUBLISHABLE_KEY: "pk_test_emu_0123456789abcdefABCDEF",
  STRIPE_EMULATOR_WEBHOOK_SECRET: "whsec_0123456789abcdef0123456789abcdefXYZ",
};
const realKeys = { STRIPE_SECRET_KEY: "sk_live_x", NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: "pk_live_x", STRIPE_WEBHOOK_SECRET: "whsec_live" };
const prod = { NODE_ENV: "production", APP_URL: "https://metered.example" };

describe("stripeConfig", () => {
  it("production without Stripe keys: payments off, even with the emulator's keys present", () => {
    for (const e of [parseEnv(prod), parseEnv({ ...prod, ...emulatorKeys }), parseEnv({ ...prod, ...emulatorKeys, STRIPE_EMULATOR_IN_PRODUCTION: "0" })]) {
      const cfg = stripeConfig(e);
      expect(cfg.mode).toBe("off");
      expect(paymentsEnabled(cfg)).toBe(false);
      expect(cfg.webhookSecret).toBeNull();
      expect(publicStripeConfig(cfg)).toEqual({ mode: "off", publishableKey: null, standInScriptUrl: null, emulatorApiUrl: null });
    }
  });

  it("the emulator in production only with STRIPE_EMULATOR_IN_PRODUCTION=1, and then a loud warning", () => {
    const e = parseEnv({ ...prod, ...emulatorKeys, STRIPE_EMULATOR_IN_PRODUCTION: "1" });
    const cfg = stripeConfig(e);
    expect(cfg).toMatchObject({
      mode: "emulator",
      webhookSecret: emulatorKeys.STRIPE_EMULATOR_WEBHOOK_SECRET,
      secretKey: emulatorKeys.STRIPE_EMULATOR_SECRET_KEY,
    });
    expect(emulatorInProductionWarning(cfg, e)).toMatch(/PAYMENTS ARE FAKE[\s\S]*STRIPE_EMULATOR_IN_PRODUCTION=1/);
    // A local `npm start` (scripts/start.mjs sets METERED_LOCAL_RUN=1) is not a deployment:
    // the notice says the payments are simulated, without claiming a production run.
    const local = parseEnv({ ...prod, ...emulatorKeys, STRIPE_EMULATOR_IN_PRODUCTION: "1", METERED_LOCAL_RUN: "1" });
    const notice = emulatorInProductionWarning(stripeConfig(local), local);
    expect(notice).toMatch(/simulated on this local run/);
    expect(notice).not.toMatch(/production|PAYMENTS ARE FAKE/);
    // The stand-in comes from the emulator itself.
    expect(publicStripeConfig(cfg).standInScriptUrl).toBe("http://127.0.0.1:14999/v3/");
  });

  it("development: the emulator when its keys are given, off when not; never a built-in key", () => {
    expect(stripeConfig(parseEnv({ ...emulatorKeys })).mode).toBe("emulator");
    expect(emulatorInProductionWarning(stripeConfig(parseEnv({ ...emulatorKeys })), parseEnv({}))).toBeNull();
    const none = stripeConfig(parseEnv({}));
    expect(none.mode).toBe("off");
    expect([none.secretKey, none.publishableKey, none.webhookSecret]).toEqual([null, null, null]);
  });

  it("real Stripe keys win everywhere", () => {
    expect(stripeConfig(parseEnv({ ...prod, ...realKeys, ...emulatorKeys, STRIPE_EMULATOR_IN_PRODUCTION: "1" })).mode).toBe("stripe");
  });

  it("refuses weak emulator secrets (a short or guessable whsec)", () => {
    expect(() => parseEnv({ STRIPE_EMULATOR_WEBHOOK_SECRET: "whsec_emulator" })).toThrow(/STRIPE_EMULATOR_WEBHOOK_SECRET/);
  });
});
