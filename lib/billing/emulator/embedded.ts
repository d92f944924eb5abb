import path from "node:path";
import { stripeConfig } from "../config";
import { EMULATOR_DEFAULTS } from "./defaults";

// The embedded default for payments: with no Stripe keys configured, the app server starts
// the Stripe test emulator in-process on STRIPE_EMULATOR_URL's loopback port (12111 by
// default), so `npm start` on a fresh machine has a working top-up flow. Call it from
// instrumentation (Node runtime). If the port is taken, another instance (or a standalone
// `npx tsx lib/billing/emulator/cli.ts`) already serves it and this one just uses that.

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);
const g = globalThis as unknown as { __stripeEmulator?: Promise<string | null> };

export function startEmbeddedStripeEmulator(): Promise<string | null> {
  const cfg = stripeConfig();
  if (cfg.mode !== "emulator" || !cfg.emulatorUrl) return Promise.resolve(null);
  const u = new URL(cfg.emulatorUrl);
  if (!LOOPBACK.has(u.hostname)) return Promise.resolve(null); // a remote emulator runs elsewhere
  g.__stripeEmulator ??= (async () => {
    const { startStripeEmulator } = await import("./server");
    try {
      const running = await startStripeEmulator({
        port: Number(u.port || EMULATOR_DEFAULTS.port),
        host: u.hostname === "localhost" ? "127.0.0.1" : u.hostname.replace(/^\[|\]$/g, ""),
        publicUrl: cfg.emulatorPublicUrl ?? undefined,
        // Asked at each delivery: Next.js sets PORT only once it is listening.
        webhookUrl: () =>
          process.env.STRIPE_EMULATOR_WEBHOOK_URL ??
          `${(process.env.APP_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/$/, "")}/api/stripe/webhook`,
        stateFile: path.resolve(process.env.STRIPE_EMULATOR_STATE ?? ".data/stripe-emulator.json"),
        webhookRetryDelaysMs: [2_000, 10_000, 60_000, 300_000],
      });
      console.log(`[billing] Stripe test emulator (test mode) on ${running.url}`);
      return running.url;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") {
        console.log(`[billing] Stripe test emulator already running on ${cfg.emulatorUrl}`);
        return cfg.emulatorUrl;
      }
      throw err;
    }
  })();
  return g.__stripeEmulator;
}
