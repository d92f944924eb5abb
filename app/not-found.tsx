import Link from "next/link";
import { SiteFooter } from "@/components/site/site-footer";
import { SiteHeader } from "@/components/site/site-header";

export const metadata = { title: "Page not found · Metered" };

export default function NotFound() {
  return (
    <>
      <SiteHeader />
      <main className="mx-auto w-full max-w-5xl px-4 py-4 sm:px-6 sm:py-6 py-12" data-testid="not-found">
        <p className="m-0 text-5xl font-bold text-muted-foreground">404</p>
        <h1>Page not found</h1>
        <p className="text-muted-foreground">Nothing lives at this address. Try one of these:</p>
        <p className="flex flex-wrap items-center gap-4">
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
