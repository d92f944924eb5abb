import type { Block, DocPage, Inline } from "./types";

// Markdown for tools and language models (/docs/<slug>.md). Links are made absolute,
// since a markdown file read on its own has no base URL.

function absolute(href: string, origin: string): string {
  if (/^https?:\/\//.test(href)) return href;
  return origin + (href.startsWith("/") ? href : `/${href}`);
}

function codeSpan(s: string): string {
  const fence = s.includes("`") ? "``" : "`";
  return fence === "``" ? `\`\` ${s} \`\`` : `\`${s}\``;
}

export function inlineToMarkdown(runs: Inline[], origin: string): string {
  return runs
    .map((r) => {
      if (typeof r === "string") return r;
      if ("code" in r) return codeSpan(r.code);
      if ("strong" in r) return `**${r.strong}**`;
      return `[${r.text}](${absolute(r.href, origin)})`;
    })
    .join("");
}

const cell = (runs: Inline[], origin: string) => inlineToMarkdown(runs, origin).replace(/\|/g, "\\|").replace(/\n/g, " ");

export function blockToMarkdown(b: Block, origin: string): string {
  switch (b.kind) {
    case "h2":
      return `## ${b.text}`;
    case "p":
      return inlineToMarkdown(b.text, origin);
    case "list":
      return b.items.map((item, i) => `${b.ordered ? `${i + 1}.` : "-"} ${inlineToMarkdown(item, origin)}`).join("\n");
    case "table":
      return [
        `| ${b.head.join(" | ")} |`,
        `| ${b.head.map(() => "---").join(" | ")} |`,
        ...b.rows.map((row) => `| ${row.map((c) => cell(c, origin)).join(" | ")} |`),
      ].join("\n");
    case "code":
      return `${b.caption ? `${b.caption}\n\n` : ""}\`\`\`${b.lang}\n${b.text}\n\`\`\``;
  }
}

export function pageToMarkdown(page: DocPage, origin: string): string {
  return [`# ${page.title}`, `> ${page.summary}`, ...page.blocks.map((b) => blockToMarkdown(b, origin))].join("\n\n") + "\n";
}
