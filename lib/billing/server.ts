import "server-only";
import { getDb } from "@/db/client";
import { stripeConfig } from "./config";
import { maybeAutoTopUp } from "./auto-topup";
import { getStripe } from "./stripe";

// Next.js-only entry points: the process-wide Stripe client and database.
export { getStripe } from "./stripe";

/**
 * For the API path, after a request settles: `after(() => autoTopUpAfterSettle(accountId))`.
 * Never throws and never blocks the response when run inside `after()`.
 */
export async function autoTopUpAfterSettle(accountId: string): Promise<void> {
  try {
    await maybeAutoTopUp(await getDb(), getStripe(), accountId);
  } catch (err) {
    console.error("[billing] auto top-up check failed:", err);
  }
}

export function webhookSecret(): string {
  return stripeConfig().webhookSecret;
}
