import { getDb } from "@/db/client";
import { handleStripeWebhook } from "@/lib/billing/webhook";
import { getStripe, webhookSecret } from "@/lib/billing/server";

// Stripe (or the local emulator) posts signed events here. All logic, signature check
// included, is in lib/billing/webhook.ts.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function POST(req: Request): Promise<Response> {
  return handleStripeWebhook(req, { db: await getDb(), stripe: getStripe(), webhookSecret: webhookSecret() });
}
