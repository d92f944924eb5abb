import Link from "next/link";
import { signOutAction } from "@/app/(auth)/actions";
import { requireAccount } from "@/lib/auth/session";
import { formatUsd } from "@/lib/money";

export const dynamic = "force-dynamic";

export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  const { email, isAdmin, account } = await requireAccount();
  return (
    <>
      <nav className="nav" data-testid="dashboard-nav">
        <Link href="/dashboard" className="brand">Metered</Link>
        <Link href="/dashboard">Overview</Link>
        <Link href="/dashboard/keys">API keys</Link>
        <Link href="/dashboard/usage">Usage</Link>
        <Link href="/dashboard/billing">Billing</Link>
        <Link href="/docs">Docs</Link>
        {isAdmin && <Link href="/admin">Admin</Link>}
        <span className="spacer" />
        <span className="muted" data-testid="user-email">{email}</span>
        <form action={signOutAction}>
          <button className="secondary" type="submit" data-testid="sign-out">Sign out</button>
        </form>
      </nav>
      <main className="container">
        {account.owedMicroUsd > 0n && (
          // Frozen by a refund or dispute of credit already spent (lib/ledger/reversals.ts).
          <div className="card" role="alert" data-testid="frozen-banner" style={{ borderColor: "#f08080", marginBottom: 16 }}>
            <strong>Your account is frozen.</strong> A top-up was refunded or disputed after its credit had been spent, so{" "}
            <span data-testid="frozen-owed">{formatUsd(account.owedMicroUsd)}</span> is owed and API requests are refused (402).
            To resolve it, <Link href="/dashboard/billing">add at least {formatUsd(account.owedMicroUsd)} of credit</Link>: the amount owed
            is paid back first and your keys work again at once.
          </div>
        )}
        {children}
      </main>
    </>
  );
}
