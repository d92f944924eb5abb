import Link from "next/link";
import { HeaderBar } from "@/components/site/header-bar";
import { Button } from "@/components/ui/button";
import { crossedBudgetAlerts } from "@/lib/billing/budget-alerts";
import { signOutAction } from "@/app/(auth)/actions";
import { BudgetBanner } from "@/components/billing/budget-banner";
import { NavLinks, type NavLink } from "@/components/site/nav-links";
import { OrgSwitcher } from "@/components/orgs/org-switcher";
import { requireAccount } from "@/lib/auth/session";
import { formatMoney } from "@/lib/money";
import { listMemberships } from "@/lib/orgs";
import { ROLE_LABELS } from "@/lib/orgs/roles";

export const dynamic = "force-dynamic";

export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  const { db, account, email, isAdmin, userId, role, can } = await requireAccount();
  // Only the links the role can use (lib/orgs/roles.ts); the pages check again.
  const links: NavLink[] = [
    { href: "/dashboard", label: "Overview", exact: true },
    ...(can("keys.own") ? [{ href: "/dashboard/keys", label: "API keys" }] : []),
    ...(can("org.view") ? [{ href: "/dashboard/projects", label: "Projects" }] : []),
    ...(can("usage.own") || can("usage.all") ? [{ href: "/dashboard/usage", label: "Usage" }] : []),
    ...(can("keys.own") ? [{ href: "/dashboard/playground", label: "Playground" }] : []),
    ...(can("billing.view") || can("billing.manage") ? [{ href: "/dashboard/billing", label: "Billing" }] : []),
    { href: "/dashboard/organization", label: "Organization" },
    { href: "/dashboard/settings", label: "Settings" },
    { href: "/docs", label: "Docs" },
    ...(isAdmin ? [{ href: "/admin", label: "Admin" }] : []),
  ];
  const orgs = (await listMemberships(db, userId)).map((m) => ({ ...m, roleLabel: ROLE_LABELS[m.role] }));
  return (
    <>
      <HeaderBar testId="dashboard-nav" home="/dashboard">
        <nav aria-label="Dashboard" className="contents">
          <NavLinks label="dashboard" links={links}>
            <OrgSwitcher current={account.id} roleLabel={ROLE_LABELS[role]} orgs={orgs} />
            <span className="break-all text-muted-foreground" data-testid="user-email">
              {email}
            </span>
            <form action={signOutAction}>
              <Button variant="outline" type="submit" data-testid="sign-out">
                Sign out
              </Button>
            </form>
          </NavLinks>
        </nav>
      </HeaderBar>
      <main className="mx-auto w-full max-w-5xl px-4 py-4 sm:px-6 sm:py-6">
        {account.owedMicroUsd > 0n && (
          // Frozen by a refund or dispute of credit already spent (lib/ledger/reversals.ts).
          <div className="mb-4 rounded-lg border border-destructive bg-card p-4 text-card-foreground" role="alert" data-testid="frozen-banner">
            <strong>Your account is frozen.</strong> A top-up was refunded or disputed after its credit had been spent, so{" "}
            <span data-testid="frozen-owed">{formatMoney(account.owedMicroUsd)}</span> is owed and API requests are refused (402).{" "}
            {can("billing.manage") ? (
              <>
                To resolve it, <Link href="/dashboard/billing">add at least {formatMoney(account.owedMicroUsd)} of credit</Link>
              </>
            ) : (
              // Only roles that may top up are sent to the billing page.
              <>An owner or a billing member of the organization resolves it by adding at least {formatMoney(account.owedMicroUsd)} of credit</>
            )}
            : the amount owed is paid back first and your keys work again at once.
          </div>
        )}
        <BudgetBanner crossed={await crossedBudgetAlerts(db, account.id)} />
        {children}
      </main>
    </>
  );
}
