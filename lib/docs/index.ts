import { appOrigin } from "@/lib/env";
import { pageToMarkdown } from "./markdown";
import { addingACard } from "./pages/adding-a-card";
import { apiReference } from "./pages/api-reference";
import { ENDPOINT_PAGES } from "./pages/endpoints";
import { billing } from "./pages/billing";
import { freeCredit } from "./pages/free-credit";
import { organizations } from "./pages/organizations";
import { outOfCredit } from "./pages/out-of-credit";
import { projectsDoc } from "./pages/projects";
import { rateLimits } from "./pages/rate-limits";
import { managementApiDoc } from "@/lib/management/docs";
import type { DocContext, DocPage, DocPageSource } from "./types";

export type { Block, DocContext, DocPage, DocPageSource, Inline } from "./types";
export { pageToMarkdown } from "./markdown";

/** Every docs page, in reading order. Each has an HTML route (app/docs/<slug>/page.tsx) and /docs/<slug>.md. */
export const DOC_PAGES: readonly DocPageSource[] = [
  freeCredit,
  billing,
  organizations,
  rateLimits,
  outOfCredit,
  projectsDoc,
  addingACard,
  apiReference,
  managementApiDoc,
];

/**
 * The API reference's page per endpoint (slug "api-reference/<endpoint>", HTML at
 * app/docs/api-reference/<endpoint>/page.tsx, markdown at /docs/api-reference/<endpoint>.md).
 */
export const API_REFERENCE_PAGES: readonly DocPageSource[] = ENDPOINT_PAGES;

/** Every page: the topics, then the endpoint pages. */
export const ALL_DOC_PAGES: readonly DocPageSource[] = [...DOC_PAGES, ...API_REFERENCE_PAGES];

export const docHref = (slug: string) => `/docs/${slug}`;
export const docMarkdownHref = (slug: string) => `/docs/${slug}.md`;

export function findDocPage(slug: string): DocPageSource | undefined {
  return ALL_DOC_PAGES.find((d) => d.slug === slug);
}

export async function buildDocPage(slug: string, ctx: DocContext): Promise<DocPage | null> {
  const src = findDocPage(slug);
  if (!src) return null;
  return { slug: src.slug, title: src.title, summary: src.summary(), blocks: await src.blocks(ctx) };
}

export async function docMarkdown(slug: string, ctx: DocContext): Promise<string | null> {
  const page = await buildDocPage(slug, ctx);
  return page && pageToMarkdown(page, ctx.origin);
}

/** /llms.txt (llmstxt.org): the site in one paragraph, then every docs page with its .md URL. */
export function llmsTxt(ctx: DocContext): string {
  return [
    "# Metered",
    "",
    "> An OpenAI-compatible model API, metered per request in dollars against prepaid credit, rate limited per API key per minute by tier.",
    "",
    `Base URL for API calls: ${ctx.origin}/v1 (bearer API key from the dashboard). Each page below is also served as HTML without the .md suffix.`,
    "",
    "## Docs",
    "",
    ...DOC_PAGES.map((d) => `- [${d.title}](${ctx.origin}${docMarkdownHref(d.slug)}): ${d.summary()}`),
    "",
    "## API reference by endpoint",
    "",
    ...API_REFERENCE_PAGES.map((d) => `- [${d.title}](${ctx.origin}${docMarkdownHref(d.slug)}): ${d.summary()}`),
    "",
    "## Optional",
    "",
    `- [Pricing](${ctx.origin}/pricing): every model's prices as a web page`,
    `- [Models (JSON)](${ctx.origin}/v1/models): the same, machine-readable (needs an API key)`,
    "",
  ].join("\n");
}

/**
 * The public origin for absolute links: APP_URL (required in production, so a forged Host
 * header never reaches a link), else in development this request's host.
 */
export function siteOrigin(requestUrl?: string | null, host?: string | null, proto?: string | null): string {
  if (process.env.APP_URL || process.env.NODE_ENV === "production") return appOrigin(requestUrl);
  if (host) return `${proto ?? "http"}://${host}`;
  if (requestUrl) return new URL(requestUrl).origin;
  return "http://localhost:3000";
}
