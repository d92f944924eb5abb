import Link from "next/link";
import { Fragment } from "react";
import { CodeBlock } from "@/components/ui/code-block";
import { docMarkdownHref, type Block, type DocPage, type Inline } from "@/lib/docs";
import { ScrollTable } from "@/components/ui/scroll-table";

// HTML rendering of a docs page. The markdown served at /docs/<slug>.md is rendered from
// the same DocPage by lib/docs/markdown.ts.

function Runs({ runs }: { runs: Inline[] }) {
  return (
    <>
      {runs.map((r, i) => {
        if (typeof r === "string") return <Fragment key={i}>{r}</Fragment>;
        if ("code" in r) return <code key={i}>{r.code}</code>;
        if ("strong" in r) return <strong key={i}>{r.strong}</strong>;
        return r.href.startsWith("/") ? (
          <Link key={i} href={r.href}>
            {r.text}
          </Link>
        ) : (
          <a key={i} href={r.href}>
            {r.text}
          </a>
        );
      })}
    </>
  );
}

function BlockView({ block, index }: { block: Block; index: number }) {
  switch (block.kind) {
    case "h2":
      return <h2>{block.text}</h2>;
    case "p":
      return (
        <p>
          <Runs runs={block.text} />
        </p>
      );
    case "list": {
      const items = block.items.map((item, i) => (
        <li key={i}>
          <Runs runs={item} />
        </li>
      ));
      return block.ordered ? <ol>{items}</ol> : <ul>{items}</ul>;
    }
    case "table":
      return (
        <ScrollTable label={`Table ${index + 1}: ${block.head.join(", ")}`}>
          <table data-testid={block.testId}>
            <thead>
              <tr>
                {block.head.map((h) => (
                  <th key={h}>{h}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {block.rows.map((row, i) => (
                <tr key={i}>
                  {row.map((c, j) => (
                    <td key={j}>
                      <Runs runs={c} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollTable>
      );
    case "code":
      return <CodeBlock code={block.text} lang={block.lang} caption={block.caption} testId={block.testId} sample={block.run} />;
  }
}

export function DocView({ page }: { page: DocPage }) {
  return (
    <article data-testid={`doc-${page.slug}`}>
      <h1>{page.title}</h1>
      <p className="text-muted-foreground">{page.summary}</p>
      {page.blocks.map((b, i) => (
        <BlockView key={i} block={b} index={i} />
      ))}
      <p className="mt-8 text-[13px] text-muted-foreground">
        This page as markdown: <a href={docMarkdownHref(page.slug)}>{docMarkdownHref(page.slug)}</a>
      </p>
    </article>
  );
}
