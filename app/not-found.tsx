import Link from "next/link";
import { SiteFooter } from "@/components/site/site-footer";
import { SiteHeader } from "@/components/site/site-header";

export const metadata = { title: "Page not found · Metered" };

export default function NotFound() {
  return (
    <>
      <SiteHeader />
      <main className="container status-page" data-testid="not-found">
        <p className="status-code">404</p>
        <h1>Page not found</h1>
        <p className="muted">Nothing lives at this address. Try one of these:</p>
        <p className="cta-row">
          <Link href="/">Home</Link>
          <Link href="/docs">Docs</Link>
          <Link href="/pricing">Pricing</Link>
          <Link href="/dashboard">Dashboard</Link>
        </p>
      </main>
      <SiteFooter />
    </>
  );
}
