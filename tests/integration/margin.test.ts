import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { usageEvents } from "@/db/schema";
import { marginReport, parseMarginRange } from "@/lib/billing/margin";
import { CatalogError, parseUpstreamEnv } from "@/lib/catalog/config";
import { CliError, runCommand } from "@/lib/cli/commands";
import { ceilDiv } from "@/lib/money";
import { startFakeUpstream, type FakeUpstream } from "@/tests/helpers/fake-upstream";
import { integrationApp } from "@/tests/helpers/fixture";

// Issue 20 item 6: a provider's price to us (`cost`) per model, and the operator's margin
// report per day, model and provider, exact to the micro-dollar, on traffic through the
// strict fake provider (tests/helpers/fake-upstream.ts) configured through PROVIDERS.

const app = integrationApp();
let A: FakeUpstream;
let B: FakeUpstream;

const pricing = { inputMicroUsdPerMTokens: 150_000, outputMicroUsdPerMTokens: 600_000 };
const modelCost = { inputMicroUsdPerMTokens: 100_001, outputMicroUsdPerMTokens: 400_003 };
const routeCostB = { inputMicroUsdPerMTokens: 90_007, outputMicroUsdPerMTokens: 350_011 };

beforeAll(async () => {
  [A, B] = await Promise.all([startFakeUpstream({ name: "a", apiKey: "key-a" }), startFakeUpstream({ name: "b", apiKey: "key-b" })]);
  process.env.PROVIDERS = JSON.stringify({
    providers: [
      { id: "a", baseUrl: A.url, apiKey: "key-a" },
      { id: "b", baseUrl: B.url, apiKey: "key-b" },
    ],
    models: [
      // Model-level cost, served by a.
      { id: "m-a", modality: "chat", providers: [{ provider: "a", model: "fake-usage" }], pricing, cost: modelCost },
      // Served by b, whose route has its own cost (it overrides the model's).
      { id: "m-b", modality: "chat", providers: [{ provider: "b", model: "fake-usage", cost: routeCostB }], pricing, cost: modelCost },
      // No cost configured: counted, its margin unknown.
      { id: "m-none", modality: "chat", providers: [{ provider: "a", model: "fake-usage" }], pricing },
    ],
  });
});
afterAll(async () => {
  delete process.env.PROVIDERS;
  await Promise.all([A?.close(), B?.close()]);
});

const today = () => new Date().toISOString().slice(0, 10);
const costOf = (c: typeof modelCost, input: number, output: number) =>
  ceilDiv(BigInt(input) * BigInt(c.inputMicroUsdPerMTokens) + BigInt(output) * BigInt(c.outputMicroUsdPerMTokens), 1_000_000n);

describe("margin", () => {
  it("records each request's provider cost from the reported units and reports revenue, cost and margin exactly", async () => {
    const a = await app.account();
    const client = app.client(a.secret);
    const sent: Record<string, number> = { "m-a": 3, "m-b": 2, "m-none": 1 };
    for (const [model, n] of Object.entries(sent)) {
      for (let i = 0; i < n; i++) await client.chat.completions.create({ model, messages: [{ role: "user", content: `question ${i} about ${model}` }] });
    }
    const events = await app.db.select().from(usageEvents).where(eq(usageEvents.accountId, a.accountId));
    expect(events).toHaveLength(6);
    // Each event: the provider's reported units × the cost for the provider that answered.
    for (const e of events) {
      const c = e.model === "m-a" ? modelCost : e.model === "m-b" ? routeCostB : null;
      expect(e.provider).toBe(e.model === "m-b" ? "b" : "a");
      expect(e.inputTokens).toBeGreaterThan(0);
      expect(e.providerCostMicroUsd).toBe(c ? costOf(c, e.inputTokens, e.outputTokens) : null);
    }

    const report = await marginReport(app.db, { from: today(), to: today() });
    const expected = (model: string) => {
      const mine = events.filter((e) => e.model === model);
      const revenue = mine.reduce((s, e) => s + e.costMicroUsd, 0n);
      const cost = mine.reduce((s, e) => s + (e.providerCostMicroUsd ?? 0n), 0n);
      return { revenue, cost };
    };
    const row = (model: string) => report.rows.find((r) => r.model === model);
    const ea = expected("m-a");
    expect(ea.revenue).toBeGreaterThan(ea.cost);
    expect(row("m-a")).toEqual({
      day: today(),
      model: "m-a",
      provider: "a",
      requests: 3,
      revenueMicroUsd: ea.revenue,
      providerCostMicroUsd: ea.cost,
      uncostedRequests: 0,
      marginMicroUsd: ea.revenue - ea.cost,
    });
    const eb = expected("m-b");
    expect(row("m-b")).toMatchObject({
      provider: "b",
      requests: 2,
      revenueMicroUsd: eb.revenue,
      providerCostMicroUsd: eb.cost,
      marginMicroUsd: eb.revenue - eb.cost,
    });
    expect(row("m-none")).toMatchObject({ provider: "a", requests: 1, providerCostMicroUsd: 0n, uncostedRequests: 1, marginMicroUsd: null });
    expect(report.total).toMatchObject({ requests: 6, revenueMicroUsd: ea.revenue + eb.revenue + expected("m-none").revenue, marginMicroUsd: null });

    // A day without traffic has no rows.
    expect((await marginReport(app.db, { from: "2020-01-01", to: "2020-01-02" })).rows).toEqual([]);

    // The CLI prints the same figures.
    const lines: string[] = [];
    await runCommand(app.db, "margin", { from: today(), to: today() }, (l) => lines.push(l));
    const cliRow = lines.find((l) => l.includes(" m-a "))!;
    const usd6 = (m: bigint) => `$${(Number(m) / 1e6).toFixed(6)}`;
    expect(cliRow).toContain(usd6(ea.revenue));
    expect(cliRow).toContain(usd6(ea.cost));
    expect(cliRow).toContain(usd6(ea.revenue - ea.cost));
    expect(lines.find((l) => l.includes(" m-none "))).toContain("unknown (1 uncosted)");
  });

  it("refuses bad ranges with a clear message", async () => {
    expect(() => parseMarginRange("2026-02-30", "2026-03-01")).toThrow(/--from must be a day as YYYY-MM-DD/);
    expect(() => parseMarginRange("2026-03-02", "2026-03-01")).toThrow(/after --to/);
    expect(() => parseMarginRange("2024-01-01", "2026-01-01")).toThrow(/at most 366 days/);
    await expect(runCommand(app.db, "margin", { from: "yesterday", to: today() }, () => {})).rejects.toBeInstanceOf(CliError);
    await expect(runCommand(app.db, "margin", { to: today() }, () => {})).rejects.toThrow(/--from is required/);
  });

  it("validates cost in the provider config, with the path of the bad field", () => {
    const env = (models: unknown[]) => ({ PROVIDERS: JSON.stringify({ providers: [{ id: "p", baseUrl: "http://x.test" }], models }) });
    const base = { id: "m", modality: "chat", pricing, providers: [{ provider: "p" }] };
    expect(parseUpstreamEnv(env([{ ...base, cost: modelCost }])).models[0].cost).toEqual({
      inputMicroUsdPerMTokens: 100_001n,
      outputMicroUsdPerMTokens: 400_003n,
    });
    expect(() => parseUpstreamEnv(env([{ ...base, cost: { inputMicroUsdPerMTokens: -1, outputMicroUsdPerMTokens: 1 } }]))).toThrow(
      /models\.0\.cost\.inputMicroUsdPerMTokens: must be a non-negative whole number/,
    );
    expect(() => parseUpstreamEnv(env([{ ...base, cost: { inputMicroUsdPerMTokens: 1 } }]))).toThrow(/models\.0\.cost\.outputMicroUsdPerMTokens/);
    expect(() => parseUpstreamEnv(env([{ ...base, providers: [{ provider: "p", cost: { microUsdPerImage: 5 } }] }]))).toThrow(CatalogError);
    expect(() =>
      parseUpstreamEnv(env([{ ...base, providers: [{ provider: "p", cost: { inputMicroUsdPerMTokens: 1, outputMicroUsdPerMTokens: "x" } }] }])),
    ).toThrow(/models\.0\.providers\.0\.cost\.outputMicroUsdPerMTokens/);
    // 0 is a valid cost (a provider may give part of it away).
    expect(parseUpstreamEnv(env([{ ...base, cost: { inputMicroUsdPerMTokens: 0, outputMicroUsdPerMTokens: 0 } }])).models[0].cost).toBeTruthy();
  });
});
