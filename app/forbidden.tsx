import Link from "next/link";
import { SiteFooter } from "@/components/site/site-footer";
import { SiteHeader } from "@/components/site/site-header";

export const metadata = { title: "Not allowed · Metered" };

export default function Forbidden() {
  return (
    <>
      <SiteHeader />
      <main className="container status-page" data-testid="forbidden">
        <p className="status-code">403</p>
        <h1>You do not have access to this page</h1>
        <p className="muted">It is for administrators of this Metered installation. You are signed in with an account that is not one.</p>
        <p className="cta-row">
          <Link href="/dashboard">Back to your dashboard</Link>
          <Link href="/docs">Docs</Link>
        </p>
      </main>
      <SiteFooter />
    </>
  );
}
