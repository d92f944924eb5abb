import type { Queryable } from "@/db/client";
import { maybeAutoTopUp } from "./auto-topup";
import { paymentsEnabled } from "./config";
import { getStripe } from "./stripe";

/**
 * The hook for the API path, called after a request settles with a charge:
 *   if (result.settled && result.chargedMicroUsd > 0n) void autoTopUpAfterSettle(db, accountId);
 * Fire-and-forget: it never rejects and costs one indexed UPDATE that matches nothing
 * unless the account has auto top-up on and is below its threshold.
 */
export async function autoTopUpAfterSettle(db: Queryable, accountId: string): Promise<void> {
  if (!paymentsEnabled()) return; // nothing to charge with (lib/billing/config.ts)
  try {
    await maybeAutoTopUp(db, getStripe(), accountId);
  } catch (err) {
    console.error("[billing] auto top-up check failed:", err);
  }
}
