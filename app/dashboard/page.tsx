import Link from "next/link";
import { requireAccount } from "@/lib/auth/session";
import { readBalance } from "@/lib/ledger";
import { formatUsd } from "@/lib/money";
import { TierCard } from "@/components/dashboard/tier-card";

export default async function Overview() {
  const { db, account } = await requireAccount();
  const balance = await readBalance(db, account.id);
  return (
    <>
      <h1>Overview</h1>
      <div className="grid">
        <div className="panel">
          <div className="muted">Balance</div>
          <div className="big" data-testid="balance">{formatUsd(balance.balanceMicroUsd)}</div>
          {balance.reservedMicroUsd > 0n && (
            <div className="muted" data-testid="reserved">{formatUsd(balance.reservedMicroUsd, { decimals: 6 })} held by requests in flight</div>
          )}
          <p><Link href="/dashboard/billing">Add credit</Link></p>
        </div>
        <TierCard tier={account.tier} />
        <div className="panel">
          <div className="muted">Get started</div>
          <p>Create an <Link href="/dashboard/keys">API key</Link>, then call the API with any OpenAI SDK.</p>
          <p><Link href="/docs">Read the docs</Link></p>
        </div>
      </div>
    </>
  );
}
