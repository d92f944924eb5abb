import { onAfterSettle } from "@/lib/metering/after-settle";
import { autoTopUpAfterSettle, budgetAlertsAfterSettle } from "./after-settle";

/**
 * Billing's part of the server's start (instrumentation-node.ts): it reacts to settles
 * through metering's after-settle hook (docs/architecture.md, "The after-settle hook"),
 * so metering never imports billing. Idempotent.
 */
export function startBilling(): void {
  onAfterSettle("billing.autoTopUp", (db, accountId, result) => {
    // The settle statement says whether the account is now under an enabled auto top-up
    // threshold (lib/ledger/settle-sql.ts): accounts without auto top-up cost nothing here.
    if (result.chargedMicroUsd > 0n && result.autoTopUpDue) return autoTopUpAfterSettle(db, accountId);
  });
  // Budget alerts: after every charged settle; throttled per account, and free for
  // accounts without a pending alert (cached), in ./after-settle.ts.
  onAfterSettle("billing.budgetAlerts", (db, accountId, result) => {
    if (result.chargedMicroUsd > 0n) return budgetAlertsAfterSettle(db, accountId);
  });
}
