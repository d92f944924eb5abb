import Link from "next/link";
import { DOC_PAGES, docHref } from "@/lib/docs";

export function DocsNav() {
  return (
    <nav aria-label="Docs" data-testid="docs-nav" style={{ display: "flex", flexDirection: "column", gap: 6, minWidth: 180 }}>
      <Link href="/docs">Docs home</Link>
      {DOC_PAGES.map((d) => (
        <Link key={d.slug} href={docHref(d.slug)}>{d.title}</Link>
      ))}
      <Link href="/pricing">Pricing</Link>
      <a href="/llms.txt">llms.txt</a>
    </nav>
  );
}
