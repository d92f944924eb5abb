import Link from "next/link";

export function SiteFooter() {
  return (
    <footer className="site-footer" data-testid="site-footer">
      <div className="container footer-inner">
        <span className="muted">Metered: an OpenAI-compatible model API, billed per request.</span>
        <nav aria-label="Footer" className="footer-links">
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
