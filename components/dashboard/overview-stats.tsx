import Link from "next/link";
import { formatMoney, formatUsd } from "@/lib/money";
import type { OverviewStats } from "@/lib/usage/queries";
import { OverviewSpendChart } from "./overview-chart";

/** Below $1, or under 3 days of credit at the last week's pace, the overview warns. */
export const LOW_BALANCE_MICRO_USD = 1_000_000n;
export const LOW_BALANCE_DAYS = 3;

/**
 * Days of credit left at the average daily spend of the last 7 days, in tenths of a day
 * (integer arithmetic), or null when nothing was spent in that week.
 */
export function daysLeftTenths(availableMicroUsd: bigint, last7DaysMicroUsd: bigint): bigint | null {
  if (last7DaysMicroUsd <= 0n) return null;
  const avail = availableMicroUsd > 0n ? availableMicroUsd : 0n;
  return (avail * 70n) / last7DaysMicroUsd; // avail / (last7 / 7) days, × 10
}

export function isLowBalance(availableMicroUsd: bigint, tenths: bigint | null): boolean {
  return availableMicroUsd < LOW_BALANCE_MICRO_USD || (tenths !== null && tenths < BigInt(LOW_BALANCE_DAYS * 10));
}

export function LowBalanceBanner({ availableMicroUsd, tenths }: { availableMicroUsd: bigint; tenths: bigint | null }) {
  if (!isLowBalance(availableMicroUsd, tenths)) return null;
  return (
    <div className="mb-4 rounded-md border border-destructive px-3.5 py-2.5 text-destructive [&_a]:text-destructive" role="alert" data-testid="low-balance-banner">
      {availableMicroUsd <= 0n
        ? "Your credit has run out: API calls are refused with 402 until you add more."
        : tenths !== null && tenths < BigInt(LOW_BALANCE_DAYS * 10)
          ? `Low balance: about ${formatTenths(tenths)} days of credit left at your recent pace.`
          : `Low balance: ${formatUsd(availableMicroUsd)} left.`}{" "}
      <Link href="/dashboard/billing" data-testid="low-balance-topup">
        Add credit on the billing page →
      </Link>
    </div>
  );
}

const formatTenths = (t: bigint) => `${t / 10n}.${t % 10n}`;

export function OverviewSpend({ stats, availableMicroUsd }: { stats: OverviewStats; availableMicroUsd: bigint }) {
  const avgDaily = stats.last7DaysMicroUsd / 7n; // truncated, like every displayed amount
  const tenths = daysLeftTenths(availableMicroUsd, stats.last7DaysMicroUsd);
  return (
    <div className="grid grid-cols-[repeat(auto-fit,minmax(min(220px,100%),1fr))] gap-4" style={{ marginTop: 16 }}>
      <div className="rounded-lg border bg-card p-4 text-card-foreground">
        <div className="text-muted-foreground">Spend today (UTC)</div>
        <div className="text-[28px] font-semibold" data-testid="spend-today" data-micro-usd={String(stats.todayMicroUsd)}>
          {formatMoney(stats.todayMicroUsd)}
        </div>
        <div className="text-muted-foreground" data-testid="spend-month" data-micro-usd={String(stats.monthMicroUsd)}>
          This month: {formatMoney(stats.monthMicroUsd)}
        </div>
      </div>
      <div className="rounded-lg border bg-card p-4 text-card-foreground">
        <div className="text-muted-foreground">Average per day, last 7 days</div>
        <div className="text-[28px] font-semibold" data-testid="avg-daily">
          {formatMoney(avgDaily)}
        </div>
        <div className="text-muted-foreground" data-testid="days-left">
          {tenths === null ? "No spend in the last 7 days" : `≈ ${formatTenths(tenths)} days of credit left`}
        </div>
      </div>
      <div className="rounded-lg border bg-card p-4 text-card-foreground" style={{ gridColumn: "span 2", minWidth: 0 }}>
        <div className="text-muted-foreground">
          Spend, last 7 days (UTC) · <Link href="/dashboard/usage?range=7d">details</Link>
        </div>
        <OverviewSpendChart days={stats.daily.map((d) => ({ day: d.day, usd: Number(d.costMicroUsd) / 1e6, exact: formatMoney(d.costMicroUsd) }))} />
      </div>
    </div>
  );
}
