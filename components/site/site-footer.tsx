import Link from "next/link";

export function SiteFooter() {
  return (
    <footer className="mt-12 border-t py-2" data-testid="site-footer">
      <div className="mx-auto flex w-full max-w-5xl flex-wrap items-center justify-between gap-4 px-4 py-4 sm:px-6">
        <span className="text-muted-foreground">Metered: an OpenAI-compatible model API, billed per request.</span>
        <nav aria-label="Footer" className="flex flex-wrap gap-4">
          <Link href="/docs">Docs</Link>
          <Link href="/pricing">Pricing</Link>
          <Link href="/docs/rate-limits">Rate limits</Link>
          <a href="/llms.txt">llms.txt</a>
          <Link href="/signup">Sign up</Link>
        </nav>
      </div>
    </footer>
  );
}
