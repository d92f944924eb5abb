import Link from "next/link";
import { Card } from "@/components/ui/card";
import { formatMoney, formatUsd } from "@/lib/money";
import { formatUtcDay } from "@/lib/format/date";
import { formatTenths } from "@/lib/usage/days-left";
import type { OverviewStats } from "@/lib/usage/queries";
import { OverviewSpendChart } from "./overview-chart";

/** Below $1, or under 3 days of credit at the recent pace, the overview warns. */
export const LOW_BALANCE_MICRO_USD = 1_000_000n;
export const LOW_BALANCE_DAYS = 3;

export function isLowBalance(availableMicroUsd: bigint, tenths: bigint | null): boolean {
  return availableMicroUsd < LOW_BALANCE_MICRO_USD || (tenths !== null && tenths < BigInt(LOW_BALANCE_DAYS * 10));
}

/**
 * The low-balance warning. An account whose address is not verified was never given credit:
 * it is not told its credit "ran out" (the page's verification note says how to get it).
 */
export function LowBalanceBanner({
  availableMicroUsd,
  tenths,
  unverified = false,
  canTopUp = true,
}: {
  availableMicroUsd: bigint;
  tenths: bigint | null;
  unverified?: boolean;
  /** The viewer's role may add credit (billing.manage); others are not pointed at a page they cannot open. */
  canTopUp?: boolean;
}) {
  if (unverified && availableMicroUsd <= 0n) return null;
  if (!isLowBalance(availableMicroUsd, tenths)) return null;
  return (
    <div
      className="mb-4 rounded-md border border-destructive px-3.5 py-2.5 text-destructive [&_a]:text-destructive"
      role="alert"
      data-testid="low-balance-banner"
    >
      {availableMicroUsd <= 0n
        ? "Your credit has run out: API calls are refused with 402 until you add more."
        : tenths !== null && tenths < BigInt(LOW_BALANCE_DAYS * 10)
          ? `Low balance: about ${formatTenths(tenths)} days of credit left at your recent pace.`
          : `Low balance: ${formatUsd(availableMicroUsd)} left.`}{" "}
      {canTopUp ? (
        <Link href="/dashboard/billing" data-testid="low-balance-topup">
          Add credit on the billing page →
        </Link>
      ) : (
        "Ask an owner or a billing member of the organization to add credit."
      )}
    </div>
  );
}

/** Free vs paid credit left. Computed by the credit-kinds work (issue 23 item 5); see the overview page. */
/** The balance in its two kinds (lib/ledger/credit-kinds.ts): free (promotional, spent first, expiring) and paid. */
export type CreditKinds = { freeMicroUsd: bigint; paidMicroUsd: bigint; nextExpiry: { at: Date; amountMicroUsd: bigint } | null };

/** The account's credit as /v1/credits reports it: spendable, held, and free vs paid. */
export function CreditCard({
  balanceMicroUsd,
  reservedMicroUsd,
  availableMicroUsd,
  creditKinds,
  canTopUp = true,
}: {
  balanceMicroUsd: bigint;
  reservedMicroUsd: bigint;
  availableMicroUsd: bigint;
  creditKinds: CreditKinds | null;
  canTopUp?: boolean;
}) {
  return (
    <Card data-testid="credit-card">
      <div className="text-muted-foreground">Spendable credit</div>
      <div className="text-[28px] font-semibold" data-testid="balance" data-micro-usd={String(availableMicroUsd)}>
        {formatUsd(availableMicroUsd)}
      </div>
      <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="text-muted-foreground">Held by requests in flight</dt>
        <dd className="m-0 text-right tabular-nums" data-testid="reserved">
          {formatMoney(reservedMicroUsd)}
        </dd>
        <dt className="text-muted-foreground">Balance</dt>
        <dd className="m-0 text-right tabular-nums" data-testid="balance-total">
          {formatMoney(balanceMicroUsd)}
        </dd>
        {creditKinds && (
          <>
            <dt className="text-muted-foreground">Free credit</dt>
            <dd className="m-0 text-right tabular-nums" data-testid="credit-free">
              {formatMoney(creditKinds.freeMicroUsd)}
            </dd>
            <dt className="text-muted-foreground">Paid credit</dt>
            <dd className="m-0 text-right tabular-nums" data-testid="credit-paid">
              {formatMoney(creditKinds.paidMicroUsd)}
            </dd>
            {creditKinds.nextExpiry && (
              <>
                <dt className="text-muted-foreground">Free credit expiring</dt>
                <dd className="m-0 text-right tabular-nums" data-testid="credit-expiry">
                  {formatMoney(creditKinds.nextExpiry.amountMicroUsd)} on {formatUtcDay(creditKinds.nextExpiry.at)}
                </dd>
              </>
            )}
          </>
        )}
      </dl>
      {canTopUp && (
        <p className="mb-0">
          <Link href="/dashboard/billing">Add credit</Link>
        </p>
      )}
    </Card>
  );
}

export function OverviewSpend({
  stats,
  avgDailyMicroUsd,
  tenths,
  ownKeysOnly = false,
}: {
  stats: OverviewStats;
  avgDailyMicroUsd: bigint | null;
  tenths: bigint | null;
  /** The stats are the viewer's own keys' (a role without usage.all); the days left are the organization's. */
  ownKeysOnly?: boolean;
}) {
  return (
    <div className="mt-4 grid grid-cols-1 gap-4 md:grid-cols-2">
      <Card>
        <div className="text-muted-foreground">{ownKeysOnly ? "Your keys' spend today (UTC)" : "Spend today (UTC)"}</div>
        <div className="text-[28px] font-semibold" data-testid="spend-today" data-micro-usd={String(stats.todayMicroUsd)}>
          {formatMoney(stats.todayMicroUsd)}
        </div>
        <div className="text-muted-foreground" data-testid="spend-month" data-micro-usd={String(stats.monthMicroUsd)}>
          This month: {formatMoney(stats.monthMicroUsd)}
        </div>
      </Card>
      <Card>
        <div className="text-muted-foreground">{ownKeysOnly ? "Your keys' average per day, recent days" : "Average per day, recent days"}</div>
        <div className="text-[28px] font-semibold" data-testid="avg-daily">
          {avgDailyMicroUsd === null ? "—" : formatMoney(avgDailyMicroUsd)}
        </div>
        <div className="text-muted-foreground" data-testid="days-left">
          {avgDailyMicroUsd === null
            ? "Days of credit left: shown after 3 days of history"
            : tenths === null
              ? "No spend in the last 7 days"
              : `≈ ${formatTenths(tenths)} days of credit left`}
        </div>
      </Card>
      <Card className="min-w-0 md:col-span-2">
        <div className="text-muted-foreground">
          {ownKeysOnly ? "Your keys' spend" : "Spend"}, last 7 days (UTC) · <Link href="/dashboard/usage?range=7d">details</Link>
        </div>
        <OverviewSpendChart days={stats.daily.map((d) => ({ day: d.day, usd: Number(d.costMicroUsd) / 1e6, exact: formatMoney(d.costMicroUsd) }))} />
      </Card>
    </div>
  );
}
