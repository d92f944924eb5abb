// The emulator's embedded keys. Test-mode placeholders that only the emulator accepts;
// the app uses them when no STRIPE_* variables are configured.
export const EMULATOR_DEFAULTS = {
  secretKey: "sk_test_emulator",
  publishableKey: "pk_test_emulator",
  webhookSecret: "whsec_emulator_0000000000000000000000000000",
  apiVersion: "2026-10-28.endive",
  port: 12111,
} as const;
