import Link from "next/link";

export default function DashboardNotFound() {
  return (
    <section className="status-page" data-testid="not-found">
      <p className="status-code">404</p>
      <h1>This dashboard page does not exist</h1>
      <p className="muted">The link may be old, or the item was removed. Everything you have is one click away:</p>
      <p className="cta-row">
        <Link href="/dashboard">Overview</Link>
        <Link href="/dashboard/keys">API keys</Link>
        <Link href="/dashboard/usage">Usage</Link>
        <Link href="/dashboard/billing">Billing</Link>
      </p>
    </section>
  );
}
