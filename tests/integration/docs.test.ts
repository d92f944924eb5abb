import fs from "node:fs";
import path from "node:path";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { DocView } from "@/components/docs/doc-view";
import { SIGNUP_CREDIT_MICRO_USD } from "@/lib/accounts";
import { ERROR_CODES } from "@/lib/api/errors";
import { modelNotAllowedError, projectBudgetError } from "@/lib/metering/project-limits";
import { authIpLimits } from "@/lib/auth/ip-limits";
import { MIN_TOPUP_CENTS } from "@/lib/billing/topup";
import { TEST_CARDS } from "@/lib/billing/test-cards";
import { getCatalog } from "@/lib/catalog";
import { priceLines, usdLabel } from "@/lib/catalog/public";
import { ALL_DOC_PAGES, API_REFERENCE_PAGES, buildDocPage, DOC_PAGES, docMarkdown, llmsTxt, type DocPage } from "@/lib/docs";
import { insufficientCreditExample, rateLimitedExample } from "@/lib/docs/examples";
import { ENDPOINTS } from "@/lib/docs/pages/api-reference";
import { unitsTable } from "@/lib/docs/pages/billing";
import { costMicroUsd } from "@/lib/metering/cost";
import { centsToMicro, formatUsd } from "@/lib/money";
import { RATE_LIMIT_HEADERS, TIER_LIST } from "@/lib/ratelimit/tiers";
import { appFetch } from "@/tests/helpers/app-fetch";

// The docs pages show exactly the numbers and names the code runs on. Markdown and HTML
// are both checked, since both are rendered from one DocPage.

const origin = "http://app.test";
const ctx = { origin };
const md = async (slug: string) => (await docMarkdown(slug, ctx))!;
const html = async (slug: string) => renderToStaticMarkup(createElement(DocView, { page: (await buildDocPage(slug, ctx)) as DocPage }));
const both = async (slug: string) => [await md(slug), await html(slug)] as const;
const APP = path.resolve(import.meta.dirname, "../../app");

describe("docs pages: one source, two renderings", () => {
  it("lists seven topics, each with an HTML page route and a distinct slug", () => {
    expect(DOC_PAGES.map((d) => d.slug)).toEqual([
      "free-credit",
      "billing",
      "organizations",
      "rate-limits",
      "out-of-credit",
      "projects",
      "adding-a-card",
      "api-reference",
      "management-api",
    ]);
    for (const d of DOC_PAGES) {
      const file = path.join(APP, "docs", d.slug, "page.tsx");
      expect(fs.existsSync(file), file).toBe(true);
      expect(fs.readFileSync(file, "utf8")).toContain(`slug="${d.slug}"`);
    }
  });

  it("/llms.txt lists every page with its one-line summary and .md URL, and each URL answers with that page's markdown", async () => {
    const res = await appFetch(`${origin}/llms.txt`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toBe(llmsTxt(ctx));
    expect(text.startsWith("# Metered\n")).toBe(true);
    const links = [...text.matchAll(/^- \[([^\]]+)\]\((\S+\.md)\): (.+)$/gm)];
    expect(links.map((m) => m[1])).toEqual(ALL_DOC_PAGES.map((d) => d.title));
    for (const [i, d] of ALL_DOC_PAGES.entries()) {
      expect(links[i][2]).toBe(`${origin}/docs/${d.slug}.md`);
      expect(links[i][3]).toBe(d.summary());
      const page = await appFetch(links[i][2]);
      expect(page.status, links[i][2]).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/markdown");
      const body = await page.text();
      expect(body).toBe(await md(d.slug));
      expect(body.startsWith(`# ${d.title}\n\n> ${d.summary()}\n`)).toBe(true);
    }
    expect((await appFetch(`${origin}/docs/no-such-page.md`)).status).toBe(404);
    expect((await appFetch(`${origin}/docs/rate-limits.txt`)).status).toBe(404);
    expect((await appFetch(`${origin}/docs/api-reference/no-such-endpoint.md`)).status).toBe(404);
  });

  it("the API reference has a page per endpoint, each with an HTML route, its markdown, and a request in curl, Node and Python with its response", async () => {
    expect(API_REFERENCE_PAGES.map((d) => d.slug.replace("api-reference/", ""))).toEqual([
      "chat-completions",
      "completions",
      "responses",
      "embeddings",
      "images",
      "speech",
      "transcriptions",
      "videos",
      "models",
      "credits",
    ]);
    const overview = await md("api-reference");
    for (const d of API_REFERENCE_PAGES) {
      const file = path.join(APP, "docs", d.slug, "page.tsx");
      expect(fs.readFileSync(file, "utf8")).toContain(`slug="${d.slug}"`);
      expect(overview).toContain(`(${origin}/docs/${d.slug})`);
      const page = (await buildDocPage(d.slug, ctx))!;
      const samples = page.blocks.filter((b) => b.kind === "code" && b.run).map((b) => (b.kind === "code" ? b.run : null));
      expect(samples, d.slug).toEqual(expect.arrayContaining(["shell", "node", "python"]));
      expect(
        page.blocks.some((b) => b.kind === "code" && b.testId?.startsWith("response-")),
        `${d.slug} shows a response`,
      ).toBe(true);
      const h = await html(d.slug);
      expect(h).toContain('data-sample="python"');
    }
  });

  it("markdown and HTML carry the same tables", async () => {
    for (const d of DOC_PAGES) {
      const page = (await buildDocPage(d.slug, ctx))!;
      const h = await html(d.slug);
      for (const b of page.blocks) {
        if (b.kind !== "table") continue;
        for (const head of b.head) expect(h).toContain(`<th>${head}</th>`);
        expect((h.match(/<tr>/g) ?? []).length).toBeGreaterThanOrEqual(b.rows.length + 1);
      }
    }
  });
});

describe("the numbers on the pages are the configured ones", () => {
  it("Rate limits: the tier table, the three header names, Retry-After and the 429 body", async () => {
    const [m, h] = await both("rate-limits");
    for (const t of TIER_LIST) {
      expect(m).toContain(`| ${t.name} | ${t.requestsPerMinute} | ${t.accountRequestsPerMinute} | ${t.howToGet} |`);
      expect(h).toContain(`<td>${t.name}</td><td>${t.requestsPerMinute}</td><td>${t.accountRequestsPerMinute}</td>`);
    }
    for (const name of [RATE_LIMIT_HEADERS.limit, RATE_LIMIT_HEADERS.remaining, RATE_LIMIT_HEADERS.reset]) {
      expect(m).toContain(`| \`${name}\` |`);
      expect(h).toContain(`<code>${name}</code>`);
    }
    expect(m).toContain("Retry-After");
    expect(m).toContain("Unix timestamp in seconds");
    expect(m).toContain(JSON.stringify(rateLimitedExample("free", 17), null, 2));
    const ip = authIpLimits();
    expect(m).toContain(`**${ip.signup.limit} sign-ups per hour**`);
    expect(m).toContain(`**${ip.signin.limit} sign-in attempts per minute**`);
    // The failure policy is stated.
    expect(m).toContain("If the limiter is unavailable");
  });

  it("Free credit: the signup grant and the minimum top-up", async () => {
    const [m, h] = await both("free-credit");
    expect(formatUsd(SIGNUP_CREDIT_MICRO_USD)).toBe("$10.00"); // docs/architecture.md
    expect(m).toContain(`**${formatUsd(SIGNUP_CREDIT_MICRO_USD)}** of free credit`);
    expect(h).toContain(`<strong>${formatUsd(SIGNUP_CREDIT_MICRO_USD)}</strong> of free credit`);
    expect(m).toContain(`from **${formatUsd(centsToMicro(MIN_TOPUP_CENTS))}**`);
    expect(m).toContain(`**${TIER_LIST[0].requestsPerMinute}** requests per minute`);
  });

  it("How we bill: a unit for every model type, and the rounding rule with an example computed by the biller", async () => {
    const m = await md("billing");
    const units = unitsTable();
    expect(units.map((u) => u.modality)).toEqual(["chat", "completion", "image", "video", "tts", "stt", "embedding"]);
    for (const u of units) expect(m).toContain(`| ${u.label} | ${u.units.join(" and ")} |`);
    expect(m).toContain("per 1M input tokens and per 1M output tokens");
    for (const unit of ["per image", "per second of output video", "per character of input text", "per minute of input audio"]) expect(m).toContain(unit);
    expect(m).toContain("rounded up once per request to a whole micro-dollar ($0.000001)");
    const echo = getCatalog().models.find((x) => x.modality === "chat")!;
    const billed = costMicroUsd(echo, { inputTokens: 1234, outputTokens: 567 });
    expect(m).toContain(`billed **${billed} micro-USD** (${usdLabel(billed)})`);
  });

  it("When credit runs out: the exact 402 body from the metering code, and every 402 code", async () => {
    const m = await md("out-of-credit");
    const model = getCatalog().models.find((x) => x.modality === "chat")!;
    const ex = await insufficientCreditExample({ model: model as never, origin });
    expect(ex.source).toBe("meter");
    expect(ex.body.error).toMatchObject({ type: "insufficient_quota", code: "insufficient_quota", param: null });
    expect(ex.body.error.message).toContain(`${origin}/dashboard/billing`);
    expect(m).toContain("```json\n" + JSON.stringify(ex.body, null, 2) + "\n```");
    for (const [code, v] of Object.entries(ERROR_CODES).filter(([, v]) => v.status === 402)) expect(m).toContain(`| \`${code}\` | \`${v.type}\` |`);
  });

  it("Projects: the 402 and 403 bodies are the ones the /v1 path throws", async () => {
    const m = await md("projects");
    const budget = projectBudgetError({
      name: "Research",
      budgetMicroUsd: 50_000_000n,
      spentMicroUsd: 49_998_800n,
      worstMicroUsd: 1_500n,
      now: new Date(Date.UTC(2026, 0, 15)),
    });
    expect(budget.toJSON().error).toMatchObject({ type: "insufficient_quota", code: "project_budget_exceeded" });
    expect(budget.message).toContain("2026-02-01T00:00:00.000Z");
    expect(m).toContain("```json\n" + JSON.stringify(budget.toJSON(), null, 2) + "\n```");
    const denied = modelNotAllowedError("Research", "local/echo-chat", ["local/lorem-chat"]);
    expect(denied.toJSON().error).toMatchObject({ type: "permission_error", code: "model_not_allowed", param: "model" });
    expect(m).toContain("```json\n" + JSON.stringify(denied.toJSON(), null, 2) + "\n```");
  });

  it("Adding a card: minimum top-up and every emulator test card", async () => {
    const m = await md("adding-a-card");
    expect(m).toContain(`any amount from **${formatUsd(centsToMicro(MIN_TOPUP_CENTS))}**`);
    expect(m).toContain("Add payment method");
    for (const n of Object.keys(TEST_CARDS)) expect(m.replace(/ /g, "")).toContain(n);
  });

  it("API reference: every catalog model with its prices, every endpoint (each one a real route), every error code", async () => {
    const m = await md("api-reference");
    for (const model of getCatalog().models) {
      const line = m.split("\n").find((l) => l.startsWith(`| \`${model.id}\``));
      expect(line, model.id).toBeDefined();
      for (const p of priceLines(model)) expect(line).toContain(`${usdLabel(p.microUsd)} ${p.label}`);
    }
    for (const e of ENDPOINTS) {
      expect(m).toContain(`| ${e.method} | \`${e.path}\` |`);
      // {id} is a [id] folder, or a catch-all [...id] (model ids contain "/").
      const one = path.join(APP, e.path.replace(/\{(\w+)\}/g, "[$1]"), "route.ts");
      const file = fs.existsSync(one) ? one : path.join(APP, e.path.replace(/\{(\w+)\}/g, "[...$1]"), "route.ts");
      expect(fs.existsSync(file), file).toBe(true);
      const mod = (await import(file)) as Record<string, unknown>;
      expect(typeof mod[e.method], `${e.method} ${e.path}`).toBe("function");
    }
    for (const [code, v] of Object.entries(ERROR_CODES)) expect(m).toContain(`| ${v.status} | \`${code}\` | \`${v.type}\` |`);
  });
});
