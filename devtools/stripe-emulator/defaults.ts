import { randomBytes } from "node:crypto";

// The emulator's keys are made per installation (scripts/start.mjs keeps them in
// .data/stripe-emulator-keys.json) or per test run, never constants in the repository:
// a constant webhook secret would let anyone sign an event any deployment accepts.

export const EMULATOR_API_VERSION = "2026-10-28.endive";
export const EMULATOR_DEFAULT_PORT = 12111;

export type EmulatorKeys = { secretKey: string; publishableKey: string; webhookSecret: string };

const token = (bytes: number) => randomBytes(bytes).toString("base64url").replace(/[-_]/g, "x");

export function generateEmulatorKeys(): EmulatorKeys {
  return {
    secretKey: `sk_test_emu_${token(24)}`,
    publishableKey: `pk_test_emu_${token(24)}`,
    webhookSecret: `whsec_${token(32)}`,
  };
}

/** The keys the start script hands over in the environment, when all three are there. */
export function emulatorKeysFromEnv(e: Record<string, string | undefined> = process.env): EmulatorKeys | null {
  const k = { secretKey: e.STRIPE_EMULATOR_SECRET_KEY, publishableKey: e.STRIPE_EMULATOR_PUBLISHABLE_KEY, webhookSecret: e.STRIPE_EMULATOR_WEBHOOK_SECRET };
  return k.secretKey && k.publishableKey && k.webhookSecret ? (k as EmulatorKeys) : null;
}
