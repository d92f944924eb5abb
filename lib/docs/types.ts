import type { SampleRunner } from "./examples";

// A docs page is data: blocks of inline runs. components/docs/doc-view.tsx renders it as
// HTML and ./markdown.ts as markdown, so /docs/<slug> and /docs/<slug>.md cannot drift.

export type Inline = string | { code: string } | { strong: string } | { text: string; href: string };

export type Block =
  | { kind: "h2"; text: string }
  | { kind: "p"; text: Inline[] }
  | { kind: "list"; items: Inline[][]; ordered?: boolean }
  | { kind: "table"; head: string[]; rows: Inline[][][]; testId?: string }
  | { kind: "code"; lang: string; text: string; caption?: string; testId?: string; run?: SampleRunner };

export type DocContext = {
  /** Absolute origin of this deployment, e.g. "https://api.example.com" (no trailing slash). */
  origin: string;
};

export type DocPage = { slug: string; title: string; summary: string; blocks: Block[] };

export type DocPageSource = {
  slug: string;
  title: string;
  /** One line, for /llms.txt and the docs index. */
  summary: () => string;
  blocks: (ctx: DocContext) => Block[] | Promise<Block[]>;
};

/** Shorthand for inline runs: code`...` is clumsy in data, so helpers. */
export const code = (c: string | number): Inline => ({ code: String(c) });
export const strong = (s: string | number): Inline => ({ strong: String(s) });
export const link = (text: string, href: string): Inline => ({ text, href });
export const p = (...text: Inline[]): Block => ({ kind: "p", text });
export const h2 = (text: string): Block => ({ kind: "h2", text });
