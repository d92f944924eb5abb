import http from "node:http";
import type { AddressInfo } from "node:net";
import type Stripe from "stripe";
import type { Queryable } from "@/db/client";
import { startStripeEmulator, type RunningEmulator } from "@/devtools/stripe-emulator/server";
import { createStripeClient } from "@/lib/billing/stripe";
import { handleStripeWebhook } from "@/lib/billing/webhook";

// A Stripe test bed on loopback: the emulator, the real `stripe` SDK pointed at it, and a
// small HTTP server that receives the emulator's signed webhooks and hands them to the
// same handler the Next.js route uses, on the test's database.

export type StripeTestbed = {
  emu: RunningEmulator;
  stripe: Stripe;
  webhookUrl: string;
  webhookSecret: string;
  publishableKey: string;
  close: () => Promise<void>;
};

export async function startStripeTestbed(db: Queryable): Promise<StripeTestbed> {
  let secret = "";
  // Assigned once, below, after the webhook server that reads it is created: it cannot be a const.
  // eslint-disable-next-line prefer-const
  let stripe: Stripe | undefined;
  const hook = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method,
      headers: Object.entries(req.headers).flatMap(([k, v]) => (typeof v === "string" ? [[k, v] as [string, string]] : [])),
      body: Buffer.concat(chunks),
    });
    const response = await handleStripeWebhook(request, { db, stripe: stripe!, webhookSecret: secret });
    res.writeHead(response.status, { "content-type": "application/json" });
    res.end(await response.text());
  });
  await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
  const webhookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/api/stripe/webhook`;
  const emu = await startStripeEmulator({ webhookUrl });
  secret = emu.config.webhookSecret;
  stripe = createStripeClient({ secretKey: emu.config.secretKey, emulatorUrl: emu.url });
  return {
    emu,
    stripe,
    webhookUrl,
    webhookSecret: secret,
    publishableKey: emu.config.publishableKey,
    close: async () => {
      await emu.close();
      hook.closeAllConnections();
      await new Promise<void>((resolve) => hook.close(() => resolve()));
    },
  };
}

/** What the built app needs to use this test bed's emulator (next start runs in production mode). */
export function emulatorAppEnv(tb: StripeTestbed): Record<string, string> {
  return {
    STRIPE_EMULATOR_URL: tb.emu.url,
    STRIPE_EMULATOR_SECRET_KEY: tb.emu.config.secretKey,
    STRIPE_EMULATOR_PUBLISHABLE_KEY: tb.emu.config.publishableKey,
    STRIPE_EMULATOR_WEBHOOK_SECRET: tb.emu.config.webhookSecret,
    STRIPE_EMULATOR_IN_PRODUCTION: "1",
  };
}

export const CARDS = {
  visa: "4242424242424242",
  declined: "4000000000000002",
  declineOnCharge: "4000000000000341",
  insufficientFunds: "4000000000009995",
  authUnlessSetup: "4000002500003155",
  authAlways: "4000002760003184",
} as const;

/** What the Stripe.js stand-in does in the browser: publishable-key calls straight to the emulator. */
export async function browserCall(tb: StripeTestbed, path: string, form: Record<string, string>) {
  const res = await fetch(`${tb.emu.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${tb.publishableKey}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as any };
}

export async function browserCreateCard(tb: StripeTestbed, number: string): Promise<string> {
  const r = await browserCall(tb, "/v1/payment_methods", {
    type: "card",
    "card[number]": number,
    "card[exp_month]": "12",
    "card[exp_year]": "2034",
    "card[cvc]": "123",
  });
  if (r.status !== 200) throw new Error(`card creation failed: ${JSON.stringify(r.body)}`);
  return r.body.id;
}

/** The browser side of "Add payment method": confirm the SetupIntent, passing 3-D Secure if asked. */
export async function browserConfirmSetup(tb: StripeTestbed, clientSecret: string, number: string, auth: "complete" | "fail" = "complete") {
  const pm = await browserCreateCard(tb, number);
  const id = clientSecret.split("_secret_")[0];
  const r = await browserCall(tb, `/v1/setup_intents/${id}/confirm`, { client_secret: clientSecret, payment_method: pm });
  if (r.status === 200 && r.body.status === "requires_action") {
    return browserCall(tb, `/_emulator/3ds/${id}`, { client_secret: clientSecret, outcome: auth });
  }
  return r;
}

/** The browser finishing a PaymentIntent's 3-D Secure challenge. */
export function browserAuthenticate(tb: StripeTestbed, clientSecret: string, outcome: "complete" | "fail") {
  const id = clientSecret.split("_secret_")[0];
  return browserCall(tb, `/_emulator/3ds/${id}`, { client_secret: clientSecret, outcome });
}

/** "Add payment method" end to end (server SetupIntent, browser confirmation); returns the card's id. */
export async function saveCard(db: Queryable, tb: StripeTestbed, accountId: string, number: string = CARDS.visa): Promise<string> {
  const { createSetupIntent } = await import("@/lib/billing/payment-methods");
  const { clientSecret } = await createSetupIntent(db, tb.stripe, { accountId });
  const r = await browserConfirmSetup(tb, clientSecret, number);
  if (r.body.status !== "succeeded") throw new Error(`setup did not succeed: ${JSON.stringify(r.body)}`);
  return r.body.payment_method as string;
}
