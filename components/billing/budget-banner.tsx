import Link from "next/link";
import { formatMoney } from "@/lib/money";

export type CrossedBudget = { thresholds: bigint[]; spentMicroUsd: bigint };

/**
 * Shown on every dashboard page in a month whose spend crossed one of the account's budget
 * alerts. The page reads `crossed` (lib/billing/budget-alerts.ts crossedBudgetAlerts) and
 * passes it in: the component renders, it does not query.
 */
export function BudgetBanner({ crossed }: { crossed: CrossedBudget | null }) {
  if (!crossed) return null;
  return (
    <div className="mb-4 rounded-md border border-warning px-3.5 py-2.5 text-warning [&_a]:text-warning" role="status" data-testid="budget-banner">
      This month you have spent <strong>{formatMoney(crossed.spentMicroUsd)}</strong>, past your budget alert of{" "}
      <strong>{formatMoney(crossed.thresholds[0])}</strong>. <Link href="/dashboard/billing">Review alerts</Link> ·{" "}
      <Link href="/dashboard/keys">Set key spend limits</Link>
    </div>
  );
}
