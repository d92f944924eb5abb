import type { Queryable } from "@/db/client";
import { maybeAutoTopUp } from "./auto-topup";
import { paymentsEnabled } from "./config";
import { getStripe } from "./stripe";

/**
 * The auto top-up check run after a settle that left the account under its threshold
 * (registered as metering's after-settle hook by ./start.ts). It re-reads everything under
 * its own claim and never rejects: a failure is logged and the next settle tries again.
 */
export async function autoTopUpAfterSettle(db: Queryable, accountId: string): Promise<void> {
  if (!paymentsEnabled()) return; // nothing to charge with (lib/billing/config.ts)
  try {
    await maybeAutoTopUp(db, getStripe(), accountId);
  } catch (err) {
    console.error("[billing] auto top-up check failed:", err);
  }
}
