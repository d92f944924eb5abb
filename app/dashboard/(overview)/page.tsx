import Link from "next/link";
import { requirePermission } from "@/lib/auth/session";
import { freeCreditMessage } from "@/lib/accounts/free-credit-messages";
import { ResendVerification } from "@/components/settings/settings-forms";
import { resendVerificationAction } from "../settings/actions";
import { readCreditParts } from "@/lib/ledger";
import { overviewStats } from "@/lib/usage";
import { averageDailyMicroUsd, daysLeftTenths } from "@/lib/usage/days-left";
import { latestTierRequest } from "@/lib/tiers";
import { Card } from "@/components/ui/card";
import { TierCard } from "@/components/dashboard/tier-card";
import { QuickStart } from "@/components/dashboard/quick-start";
import { CreditCard, LowBalanceBanner, OverviewSpend, type CreditKinds } from "@/components/dashboard/overview-stats";

export default async function Overview() {
  // Every role sees the organization's balance; only billing.manage is offered to top up.
  const { db, account, emailVerifiedAt, freeCredit, can, userId } = await requirePermission("org.view");
  const canTopUp = can("billing.manage");
  // Without usage.all the spend shown is the user's own keys' (scoped in the query); the
  // days of credit left stay the organization's, since the balance is.
  const ownKeysOnly = !can("usage.all");
  const creditNote = freeCreditMessage(freeCredit, !!emailVerifiedAt);
  const [balance, orgStats, ownStats, latestRequest] = await Promise.all([
    readCreditParts(db, account.id),
    overviewStats({ db, accountId: account.id }),
    ownKeysOnly ? overviewStats({ db, accountId: account.id, scope: { createdBy: userId } }) : null,
    latestTierRequest(db, account.id),
  ]);
  const stats = ownStats ?? orgStats;
  // The pace needs history: the account's age, at least 3 whole days (lib/usage/days-left.ts).
  const pace = { windowSpendMicroUsd: orgStats.last7DaysMicroUsd, historySince: account.createdAt };
  const tenths = daysLeftTenths({ ...pace, availableMicroUsd: balance.availableMicroUsd });
  const creditKinds: CreditKinds = { freeMicroUsd: balance.promotionalMicroUsd, paidMicroUsd: balance.paidMicroUsd, nextExpiry: balance.nextExpiry };
  return (
    <>
      <h1>Overview</h1>
      {creditNote && (
        <div className="mb-4 rounded-md border border-warning px-3.5 py-2.5 text-warning [&_a]:text-warning" role="status" data-testid="free-credit-note">
          <p className="mt-0">{creditNote}</p>
          {!emailVerifiedAt && <ResendVerification action={resendVerificationAction} />}
        </div>
      )}
      <LowBalanceBanner availableMicroUsd={balance.availableMicroUsd} tenths={tenths} unverified={!emailVerifiedAt} canTopUp={canTopUp} />
      <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
        <CreditCard
          balanceMicroUsd={balance.balanceMicroUsd}
          reservedMicroUsd={balance.reservedMicroUsd}
          availableMicroUsd={balance.availableMicroUsd}
          creditKinds={creditKinds}
          canTopUp={canTopUp}
        />
        <TierCard tier={account.tier} latestRequest={latestRequest} canManageBilling={canTopUp} />
      </div>
      {stats.hasUsage ? (
        <OverviewSpend
          stats={stats}
          avgDailyMicroUsd={averageDailyMicroUsd({ ...pace, windowSpendMicroUsd: stats.last7DaysMicroUsd })}
          tenths={tenths}
          ownKeysOnly={ownKeysOnly}
        />
      ) : can("keys.own") ? (
        <Card className="mt-4" data-testid="overview-get-started">
          <h2 className="mt-0">Make your first request</h2>
          <p>
            1. Create an <Link href="/dashboard/keys">API key</Link>. 2. Call the API with curl or any OpenAI SDK; the built-in <code>local/*</code> models work
            with nothing configured. Your spend charts appear here afterwards. <Link href="/docs">Read the docs</Link>.
          </p>
          <QuickStart />
        </Card>
      ) : (
        // A role without keys (billing) is not offered a key it could not create.
        <Card className="mt-4" data-testid="overview-no-usage">
          <h2 className="mt-0">No usage yet</h2>
          <p className="mb-0">The spend charts appear here once the organization&apos;s API keys are used. Owners, admins and members create the keys.</p>
        </Card>
      )}
    </>
  );
}
