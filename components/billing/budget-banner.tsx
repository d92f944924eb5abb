import Link from "next/link";
import type { Queryable } from "@/db/client";
import { crossedBudgetAlerts } from "@/lib/billing/budget-alerts";
import { formatMoney } from "@/lib/money";

/** Shown on every dashboard page in a month whose spend crossed one of the account's budget alerts. */
export async function BudgetBanner({ db, accountId }: { db: Queryable; accountId: string }) {
  const crossed = await crossedBudgetAlerts(db, accountId);
  if (!crossed) return null;
  return (
    <div className="banner warn" role="status" data-testid="budget-banner">
      This month you have spent <strong>{formatMoney(crossed.spentMicroUsd)}</strong>, past your budget alert of{" "}
      <strong>{formatMoney(crossed.thresholds[0])}</strong>. <Link href="/dashboard/billing">Review alerts</Link> ·{" "}
      <Link href="/dashboard/keys">Set key spend limits</Link>
    </div>
  );
}
