import { parseArgs } from "node:util";
import { startStripeEmulator } from "./server";

// Standalone Stripe test emulator:
//   npx tsx lib/billing/emulator/cli.ts --port 12111 \
//     --webhook-url http://localhost:3000/api/stripe/webhook --state .data/stripe-emulator.json
// Keys: sk_test_emulator / pk_test_emulator, webhook secret whsec_emulator_… (see emulator.ts),
// or the STRIPE_* variables when they hold test keys meant for the emulator.

const { values } = parseArgs({
  options: {
    port: { type: "string", default: process.env.STRIPE_EMULATOR_PORT ?? "12111" },
    host: { type: "string", default: "127.0.0.1" },
    "webhook-url": { type: "string", default: process.env.STRIPE_EMULATOR_WEBHOOK_URL ?? "http://localhost:3000/api/stripe/webhook" },
    "public-url": { type: "string" },
    state: { type: "string", default: ".data/stripe-emulator.json" },
    "no-state": { type: "boolean", default: false },
  },
});

const running = await startStripeEmulator({
  port: Number(values.port),
  host: values.host,
  publicUrl: values["public-url"],
  webhookUrl: values["webhook-url"] || null,
  stateFile: values["no-state"] ? undefined : values.state,
  // Like Stripe, retry a delivery the app did not acknowledge (e.g. it was restarting).
  webhookRetryDelaysMs: [2_000, 10_000, 60_000, 300_000],
});
console.log(`Stripe test emulator listening on ${running.url} (webhooks → ${running.config.webhookUrl ?? "none"})`);
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => void running.close().then(() => process.exit(0)));
}
