import { parseArgs } from "node:util";
import { EMULATOR_DEFAULT_PORT, emulatorKeysFromEnv, generateEmulatorKeys } from "./defaults";
import { startStripeEmulator } from "./server";

// Standalone Stripe test emulator (a development tool; `npm start` and the e2e server run it):
//   npx tsx devtools/stripe-emulator/cli.ts --port 12111 \
//     --webhook-url http://localhost:3000/api/stripe/webhook --state .data/stripe-emulator.json
// Keys: STRIPE_EMULATOR_SECRET_KEY / _PUBLISHABLE_KEY / _WEBHOOK_SECRET, the same values the
// app is given. Without them it makes up keys for this run and prints them.

const { values } = parseArgs({
  options: {
    port: { type: "string", default: process.env.STRIPE_EMULATOR_PORT ?? String(EMULATOR_DEFAULT_PORT) },
    host: { type: "string", default: "127.0.0.1" },
    "webhook-url": { type: "string", default: process.env.STRIPE_EMULATOR_WEBHOOK_URL ?? "http://localhost:3000/api/stripe/webhook" },
    "public-url": { type: "string" },
    state: { type: "string", default: ".data/stripe-emulator.json" },
    "no-state": { type: "boolean", default: false },
  },
});

const given = emulatorKeysFromEnv();
const keys = given ?? generateEmulatorKeys();
const running = await startStripeEmulator({
  ...keys,
  port: Number(values.port),
  host: values.host,
  publicUrl: values["public-url"],
  webhookUrl: values["webhook-url"] || null,
  stateFile: values["no-state"] ? undefined : values.state,
  // Like Stripe, retry a delivery the app did not acknowledge (e.g. it was restarting).
  webhookRetryDelaysMs: [2_000, 10_000, 60_000, 300_000],
});
console.log(`Stripe test emulator listening on ${running.url} (webhooks → ${running.config.webhookUrl ?? "none"})`);
if (!given) {
  console.log(
    `Keys for this run (give the app the same): STRIPE_EMULATOR_SECRET_KEY=${keys.secretKey} ` +
      `STRIPE_EMULATOR_PUBLISHABLE_KEY=${keys.publishableKey} STRIPE_EMULATOR_WEBHOOK_SECRET=${keys.webhookSecret}`,
  );
}
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => void running.close().then(() => process.exit(0)));
}
