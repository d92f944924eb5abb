import Link from "next/link";
import { signOutAction } from "@/app/(auth)/actions";
import { requireAccount } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  const { email, isAdmin } = await requireAccount();
  return (
    <>
      <nav className="nav" data-testid="dashboard-nav">
        <Link href="/dashboard" className="brand">Metered</Link>
        <Link href="/dashboard">Overview</Link>
        <Link href="/dashboard/keys">API keys</Link>
        <Link href="/dashboard/usage">Usage</Link>
        <Link href="/dashboard/billing">Billing</Link>
        <Link href="/dashboard/settings">Settings</Link>
        <Link href="/docs">Docs</Link>
        {isAdmin && <Link href="/admin">Admin</Link>}
        <span className="spacer" />
        <span className="muted" data-testid="user-email">{email}</span>
        <form action={signOutAction}>
          <button className="secondary" type="submit" data-testid="sign-out">Sign out</button>
        </form>
      </nav>
      <main className="container">{children}</main>
    </>
  );
}
