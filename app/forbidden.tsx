import Link from "next/link";
import { SiteFooter } from "@/components/site/site-footer";
import { SiteHeader } from "@/components/site/site-header";

export const metadata = { title: "Not allowed · Metered" };

export default function Forbidden() {
  return (
    <>
      <SiteHeader />
      <main className="mx-auto w-full max-w-5xl px-4 py-4 sm:px-6 sm:py-6 py-12" data-testid="forbidden">
        <p className="m-0 text-5xl font-bold text-muted-foreground">403</p>
        <h1>You do not have access to this page</h1>
        <p className="text-muted-foreground">It is for administrators of this Metered installation. You are signed in with an account that is not one.</p>
        <p className="flex flex-wrap items-center gap-4">
          <Link href="/dashboard">Back to your dashboard</Link>
          <Link href="/docs">Docs</Link>
        </p>
      </main>
      <SiteFooter />
    </>
  );
}
