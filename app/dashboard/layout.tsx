import Link from "next/link";
import { signOutAction } from "@/app/(auth)/actions";
import { NavLinks, type NavLink } from "@/components/site/nav-links";
import { requireAccount } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  const { email, isAdmin } = await requireAccount();
  const links: NavLink[] = [
    { href: "/dashboard", label: "Overview", exact: true },
    { href: "/dashboard/keys", label: "API keys" },
    { href: "/dashboard/usage", label: "Usage" },
    { href: "/dashboard/billing", label: "Billing" },
    { href: "/docs", label: "Docs" },
    ...(isAdmin ? [{ href: "/admin", label: "Admin" }] : []),
  ];
  return (
    <>
      <header className="nav" data-testid="dashboard-nav">
        <Link href="/dashboard" className="brand">Metered</Link>
        <nav aria-label="Dashboard" className="nav-collapsible">
          <NavLinks label="dashboard" links={links}>
            <span className="muted nav-email" data-testid="user-email">{email}</span>
            <form action={signOutAction}>
              <button className="secondary" type="submit" data-testid="sign-out">Sign out</button>
            </form>
          </NavLinks>
        </nav>
      </header>
      <main className="container">{children}</main>
    </>
  );
}
