import Link from "next/link";
import { requireAccount } from "@/lib/auth/session";
import { freeCreditMessage } from "@/lib/accounts/free-credit-messages";
import { ResendVerification } from "@/components/settings/settings-forms";
import { resendVerificationAction } from "../settings/actions";
import { readBalance } from "@/lib/ledger";
import { formatMoney, formatUsd } from "@/lib/money";
import { overviewStats } from "@/lib/usage";
import { TierCard } from "@/components/dashboard/tier-card";
import { QuickStart } from "@/components/dashboard/quick-start";
import { daysLeftTenths, LowBalanceBanner, OverviewSpend } from "@/components/dashboard/overview-stats";

export default async function Overview() {
  const { db, account, emailVerifiedAt, freeCredit } = await requireAccount();
  const creditNote = freeCreditMessage(freeCredit, !!emailVerifiedAt);
  const [balance, stats] = await Promise.all([readBalance(db, account.id), overviewStats({ db, accountId: account.id })]);
  const tenths = daysLeftTenths(balance.availableMicroUsd, stats.last7DaysMicroUsd);
  return (
    <>
      <h1>Overview</h1>
      {creditNote && (
        <div className="rounded-lg border bg-card p-4 text-card-foreground mb-4 rounded-md border border-destructive px-3.5 py-2.5 text-destructive [&_a]:text-destructive" role="status" data-testid="free-credit-note" style={{ marginBottom: 16 }}>
          <p style={{ marginTop: 0 }}>{creditNote}</p>
          {!emailVerifiedAt && <ResendVerification action={resendVerificationAction} />}
        </div>
      )}
      <LowBalanceBanner availableMicroUsd={balance.availableMicroUsd} tenths={tenths} />
      <div className="grid grid-cols-[repeat(auto-fit,minmax(min(220px,100%),1fr))] gap-4">
        <div className="rounded-lg border bg-card p-4 text-card-foreground">
          <div className="text-muted-foreground">Balance</div>
          <div className="text-[28px] font-semibold" data-testid="balance">
            {formatUsd(balance.balanceMicroUsd)}
          </div>
          {balance.reservedMicroUsd > 0n && (
            <div className="text-muted-foreground" data-testid="reserved">
              {formatMoney(balance.reservedMicroUsd)} held by requests in flight
            </div>
          )}
          <p>
            <Link href="/dashboard/billing">Add credit</Link>
          </p>
        </div>
        <TierCard tier={account.tier} />
      </div>
      {stats.hasUsage ? (
        <OverviewSpend stats={stats} availableMicroUsd={balance.availableMicroUsd} />
      ) : (
        <div className="rounded-lg border bg-card p-4 text-card-foreground" style={{ marginTop: 16 }} data-testid="overview-get-started">
          <h2 style={{ marginTop: 0 }}>Make your first request</h2>
          <p>
            1. Create an <Link href="/dashboard/keys">API key</Link>. 2. Call the API with curl or any OpenAI SDK; the built-in <code>local/*</code> models work
            with nothing configured. Your spend charts appear here afterwards. <Link href="/docs">Read the docs</Link>.
          </p>
          <QuickStart />
        </div>
      )}
    </>
  );
}
