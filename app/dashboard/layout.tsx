import Link from "next/link";
import { signOutAction } from "@/app/(auth)/actions";
import { BudgetBanner } from "@/components/billing/budget-banner";
import { NavLinks, type NavLink } from "@/components/site/nav-links";
import { requireAccount } from "@/lib/auth/session";
import { formatMoney } from "@/lib/money";

export const dynamic = "force-dynamic";

export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  const { db, account, email, isAdmin } = await requireAccount();
  const links: NavLink[] = [
    { href: "/dashboard", label: "Overview", exact: true },
    { href: "/dashboard/keys", label: "API keys" },
    { href: "/dashboard/usage", label: "Usage" },
    { href: "/dashboard/playground", label: "Playground" },
    { href: "/dashboard/billing", label: "Billing" },
    { href: "/dashboard/settings", label: "Settings" },
    { href: "/docs", label: "Docs" },
    ...(isAdmin ? [{ href: "/admin", label: "Admin" }] : []),
  ];
  return (
    <>
      <header className="nav" data-testid="dashboard-nav">
        <Link href="/dashboard" className="brand">
          Metered
        </Link>
        <nav aria-label="Dashboard" className="nav-collapsible">
          <NavLinks label="dashboard" links={links}>
            <span className="muted nav-email" data-testid="user-email">
              {email}
            </span>
            <form action={signOutAction}>
              <button className="secondary" type="submit" data-testid="sign-out">
                Sign out
              </button>
            </form>
          </NavLinks>
        </nav>
      </header>
      <main className="container">
        {account.owedMicroUsd > 0n && (
          // Frozen by a refund or dispute of credit already spent (lib/ledger/reversals.ts).
          <div className="card" role="alert" data-testid="frozen-banner" style={{ borderColor: "#f08080", marginBottom: 16 }}>
            <strong>Your account is frozen.</strong> A top-up was refunded or disputed after its credit had been spent, so{" "}
            <span data-testid="frozen-owed">{formatMoney(account.owedMicroUsd)}</span> is owed and API requests are refused (402). To resolve it,{" "}
            <Link href="/dashboard/billing">add at least {formatMoney(account.owedMicroUsd)} of credit</Link>: the amount owed is paid back first and your keys
            work again at once.
          </div>
        )}
        <BudgetBanner db={db} accountId={account.id} />
        {children}
      </main>
    </>
  );
}
