import Link from "next/link";
import { QuickStart } from "@/components/dashboard/quick-start";
import { DOC_PAGES, docHref, docMarkdownHref } from "@/lib/docs";

export const metadata = { title: "Docs · Metered" };

export default function DocsIndex() {
  return (
    <>
      <h1>Docs</h1>
      <p>
        Metered serves an OpenAI-compatible API under <code>/v1</code>. Point any OpenAI SDK at it by changing the base URL and using a key from{" "}
        <Link href="/dashboard/keys">your dashboard</Link>. Every request is billed in dollars against your prepaid credit; see{" "}
        <Link href="/pricing">pricing</Link>.
      </p>
      <h2>Quick start</h2>
      <QuickStart />
      <h2>Topics</h2>
      <ul data-testid="docs-index">
        {DOC_PAGES.map((d) => (
          <li key={d.slug}>
            <Link href={docHref(d.slug)}>{d.title}</Link> <span className="text-muted-foreground">— {d.summary()}</span>{" "}
            <a className="text-muted-foreground" href={docMarkdownHref(d.slug)} style={{ fontSize: 13 }}>
              (.md)
            </a>
          </li>
        ))}
      </ul>
      <p className="text-muted-foreground">
        For tools and language models: <a href="/llms.txt">/llms.txt</a> lists every page with its markdown URL.
      </p>
    </>
  );
}
