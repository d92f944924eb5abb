import { getDb } from "@/db/client";
import { paymentsEnabled } from "@/lib/billing/config";
import { handleStripeWebhook } from "@/lib/billing/webhook";
import { getStripe, webhookSecret } from "@/lib/billing/server";

// Stripe (or the local emulator) posts signed events here. All logic, signature check
// included, is in lib/billing/webhook.ts; with payments off it refuses every event.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function POST(req: Request): Promise<Response> {
  const on = paymentsEnabled();
  return handleStripeWebhook(req, { db: await getDb(), stripe: on ? getStripe() : null, webhookSecret: on ? webhookSecret() : null });
}
