import Link from "next/link";

export default function DashboardNotFound() {
  return (
    <section className="py-12" data-testid="not-found">
      <p className="m-0 text-5xl font-bold text-muted-foreground">404</p>
      <h1>This dashboard page does not exist</h1>
      <p className="text-muted-foreground">The link may be old, or the item was removed. Everything you have is one click away:</p>
      <p className="flex flex-wrap items-center gap-4">
        <Link href="/dashboard">Overview</Link>
        <Link href="/dashboard/keys">API keys</Link>
        <Link href="/dashboard/usage">Usage</Link>
        <Link href="/dashboard/billing">Billing</Link>
      </p>
    </section>
  );
}
