import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import fc from "fast-check";
import { usageEvents } from "@/db/schema";
import { readBalance, auditAccount } from "@/lib/ledger";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { sseEvents } from "@/tests/contract/openapi-validator";
import { everyBytePromptTokens, FAKE_USAGE, startFakeUpstream, type FakeUpstream } from "@/tests/helpers/fake-upstream";
import { integrationApp } from "@/tests/helpers/fixture";
import { rawCall } from "@/tests/helpers/media";
import { CSV_COLUMNS, csvRow } from "@/lib/usage/csv";
import { parseUsageFilters } from "@/lib/usage/filters";
import { listRequestLog } from "@/lib/usage/request-log";

// Billed = what the provider reported (issue 20, item 1), against the strict fake provider's
// "bytes" mode, which bills EVERY byte of the request body as a prompt token (the greediest
// tokenizer there can be), plus template tokens per message and images by their documented
// count. For each field that can carry prompt text, plain and streamed: the charge is exactly
// the provider's reported usage at the model's prices, the balance moves by that much, and
// the hold taken before the call (x-credit-held) covered it.

const app = integrationApp();
let up: FakeUpstream;
const PRICES = { chat: { in: 2n, out: 8n }, completion: { in: 1n, out: 3n } }; // µ$ per token
beforeAll(async () => {
  up = await startFakeUpstream({ name: "bytes-fake" });
  process.env.UPSTREAM_BASE_URL = up.url;
  process.env.UPSTREAM_MODELS = JSON.stringify([
    {
      id: "fake/bytes",
      modality: "chat",
      upstreamModel: "fake-bytes",
      pricing: { inputMicroUsdPerMTokens: 2_000_000, outputMicroUsdPerMTokens: 8_000_000 },
      limits: { contextTokens: 64_000, maxOutputTokens: 1024 },
      input: { images: true },
    },
    {
      id: "fake-completion/bytes",
      modality: "completion",
      upstreamModel: "fake-bytes",
      pricing: { inputMicroUsdPerMTokens: 1_000_000, outputMicroUsdPerMTokens: 3_000_000 },
    },
    ...["break", "500"].map((b) => ({
      id: `fake/${b}`,
      modality: "chat",
      upstreamModel: `fake-${b}`,
      pricing: { inputMicroUsdPerMTokens: 2_000_000, outputMicroUsdPerMTokens: 8_000_000 },
      limits: { contextTokens: 8192, maxOutputTokens: 1024 },
    })),
    {
      id: "fake/nousage",
      modality: "chat",
      upstreamModel: "fake-nousage",
      pricing: { inputMicroUsdPerMTokens: 2_000_000, outputMicroUsdPerMTokens: 8_000_000 },
      limits: { contextTokens: 8192, maxOutputTokens: 1024 },
    },
  ]);
});
afterAll(async () => {
  for (const k of ["UPSTREAM_BASE_URL", "UPSTREAM_MODELS"]) delete process.env[k];
  await up?.close();
});

/** A PNG's signature and IHDR chunk: enough for its dimensions to be read (nobody decodes it). */
function pngHeader(width: number, height: number): Buffer {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write("IHDR", 12, "latin1");
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return b;
}
const words = (n: number, seed = "fox") => Array.from({ length: n }, (_, i) => `${seed}${i % 7} jumps`).join(" ");
const user = (content: unknown) => ({ role: "user", content });
const schema = { type: "object", properties: { answer: { type: "string", description: words(300, "schema") } }, required: ["answer"] };
const fn = { name: "lookup", description: words(400, "describe"), parameters: schema };

type Case = { field: string; path: string; kind: "chat" | "completion"; body: Record<string, unknown> };
const CASES: Case[] = [
  { field: "messages (user text)", path: "/v1/chat/completions", kind: "chat", body: { messages: [user(words(500))] } },
  {
    field: "messages (deprecated role function, after an assistant function_call)",
    path: "/v1/chat/completions",
    kind: "chat",
    body: {
      messages: [
        user("what is the weather"),
        { role: "assistant", content: null, function_call: { name: "weather", arguments: JSON.stringify({ city: words(50, "city") }) } },
        { role: "function", name: "weather", content: words(300, "sunny") },
      ],
    },
  },
  {
    field: "assistant function_call",
    path: "/v1/chat/completions",
    kind: "chat",
    body: { messages: [user("hi"), { role: "assistant", content: null, function_call: { name: "f", arguments: JSON.stringify({ q: words(400, "arg") }) } }] },
  },
  { field: "tools", path: "/v1/chat/completions", kind: "chat", body: { messages: [user("hi")], tools: [{ type: "function", function: fn }] } },
  { field: "functions", path: "/v1/chat/completions", kind: "chat", body: { messages: [user("hi")], functions: [fn] } },
  {
    field: "tool_choice",
    path: "/v1/chat/completions",
    kind: "chat",
    body: { messages: [user("hi")], tools: [{ type: "function", function: { name: "f" } }], tool_choice: { type: "function", function: { name: "f" } } },
  },
  {
    field: "response_format json_schema",
    path: "/v1/chat/completions",
    kind: "chat",
    body: { messages: [user("hi")], response_format: { type: "json_schema", json_schema: { name: "answer", schema } } },
  },
  {
    field: "prediction",
    path: "/v1/chat/completions",
    kind: "chat",
    body: { messages: [user("hi")], prediction: { type: "content", content: words(500, "predicted") } },
  },
  {
    field: "image parts (https URL and data: URL)",
    path: "/v1/chat/completions",
    kind: "chat",
    body: {
      messages: [
        user([
          { type: "text", text: "what is this" },
          { type: "image_url", image_url: { url: "https://images.example/cat.png" } },
          { type: "image_url", image_url: { url: `data:image/png;base64,${pngHeader(1200, 900).toString("base64")}` } },
          { type: "image_url", image_url: { url: "https://images.example/dog.png", detail: "low" } },
        ]),
      ],
    },
  },
  { field: "prompt", path: "/v1/completions", kind: "completion", body: { prompt: words(500) } },
  { field: "suffix", path: "/v1/completions", kind: "completion", body: { prompt: "def f(", suffix: words(500, "suffix") } },
];

const sent = () => up.requests.at(-1)!.body;
const expectedCost = (kind: "chat" | "completion", prompt: number, completion: number) =>
  BigInt(prompt) * PRICES[kind].in + BigInt(completion) * PRICES[kind].out;

async function expectCharged(accountId: string, requestId: string, charged: bigint) {
  expect(await readBalance(app.db, accountId)).toEqual({
    balanceMicroUsd: 10_000_000n - charged,
    reservedMicroUsd: 0n,
    availableMicroUsd: 10_000_000n - charged,
  });
  expect((await auditAccount(app.db, accountId)).ok).toBe(true);
  const [ev] = await app.db.select().from(usageEvents).where(eq(usageEvents.requestId, requestId));
  expect(ev).toMatchObject({ costMicroUsd: charged, unitsSource: "provider", billingState: "billed", provider: "upstream" });
}

/** The hold announced on the answer (x-credit-held, USD with 6 decimals), in µ$. */
const heldMicroUsd = (res: Response) => BigInt(Math.round(Number(res.headers.get("x-credit-held")) * 1e6));

describe(`billed = what the provider reported, every field (${process.env.TEST_DB ?? "postgres"})`, () => {
  for (const c of CASES) {
    it(`${c.field}, plain: charged exactly the reported prompt, the hold covered it`, async () => {
      const a = await makeAccountWithKey(app.db);
      const model = c.kind === "chat" ? "fake/bytes" : "fake-completion/bytes";
      const r = await rawCall(c.path, {
        method: "POST",
        key: a.secret,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model, ...c.body }),
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      const prompt = everyBytePromptTokens(sent());
      const charged = expectedCost(c.kind, prompt, FAKE_USAGE.completion_tokens);
      expect(r.body.usage).toMatchObject({
        prompt_tokens: prompt,
        completion_tokens: FAKE_USAGE.completion_tokens,
        cost_micro_usd: Number(charged),
        cost_source: "provider",
      });
      expect(heldMicroUsd(r.res) >= charged).toBe(true);
      await expectCharged(a.accountId, r.res.headers.get("x-request-id")!, charged);
    });

    it(`${c.field}, streamed with include_usage: charged exactly the reported prompt`, async () => {
      const a = await makeAccountWithKey(app.db);
      const model = c.kind === "chat" ? "fake/bytes" : "fake-completion/bytes";
      const body = { model, ...c.body, stream: true, stream_options: { include_usage: true } };
      const r = await rawCall(c.path, { method: "POST", key: a.secret, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      expect(r.status).toBe(200);
      const usage = (sseEvents(new TextDecoder().decode(r.bytes)).at(-1)!.data as { usage: Record<string, unknown> }).usage;
      const prompt = everyBytePromptTokens(sent());
      const charged = expectedCost(c.kind, prompt, FAKE_USAGE.completion_tokens);
      expect(usage).toMatchObject({ prompt_tokens: prompt, cost_micro_usd: Number(charged), cost_source: "provider" });
      expect(heldMicroUsd(r.res) >= charged).toBe(true);
      await expectCharged(a.accountId, r.res.headers.get("x-request-id")!, charged);
    });
  }

  for (const [field, extra] of [
    ["input", { input: [{ role: "user", content: words(500, "resp") }] }],
    ["instructions", { instructions: words(500, "instr"), input: "hi" }],
  ] as const) {
    it(`/v1/responses ${field}, plain and streamed: charged exactly the reported input`, async () => {
      const a = await makeAccountWithKey(app.db);
      const plain = await rawCall("/v1/responses", {
        method: "POST",
        key: a.secret,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "fake/bytes", ...extra }),
      });
      expect(plain.status, JSON.stringify(plain.body)).toBe(200);
      const prompt = everyBytePromptTokens(sent());
      const charged = expectedCost("chat", prompt, FAKE_USAGE.completion_tokens);
      expect(plain.body.usage).toMatchObject({ input_tokens: prompt, cost_micro_usd: Number(charged), cost_source: "provider" });
      await expectCharged(a.accountId, plain.res.headers.get("x-request-id")!, charged);

      const streamed = await rawCall("/v1/responses", {
        method: "POST",
        key: a.secret,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "fake/bytes", ...extra, stream: true }),
      });
      const completed = sseEvents(new TextDecoder().decode(streamed.bytes)).find((e) => e.event === "response.completed")!.data as {
        response: { usage: Record<string, unknown> };
      };
      const prompt2 = everyBytePromptTokens(sent());
      expect(completed.response.usage).toMatchObject({
        input_tokens: prompt2,
        cost_micro_usd: Number(expectedCost("chat", prompt2, FAKE_USAGE.completion_tokens)),
      });
    });
  }

  it("a provider that reports no usage: our estimate is billed and marked as an estimate", async () => {
    const a = await makeAccountWithKey(app.db);
    const r = await rawCall("/v1/chat/completions", {
      method: "POST",
      key: a.secret,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "fake/nousage", messages: [user("hi")], functions: [fn] }),
    });
    expect(r.status).toBe(200);
    expect(r.body.usage.cost_source).toBe("estimate");
    // The functions' text is part of the estimate (it reached the model).
    expect(r.body.usage.prompt_tokens).toBeGreaterThan(400);
    const [ev] = await app.db
      .select()
      .from(usageEvents)
      .where(eq(usageEvents.requestId, r.res.headers.get("x-request-id")!));
    expect(ev).toMatchObject({ unitsSource: "estimate", billingState: "billed", costMicroUsd: BigInt(r.body.usage.cost_micro_usd) });
  });

  it("where each charge came from: billed / partial / free with the units' source and provider, in the request log and the CSV export", async () => {
    const a = await makeAccountWithKey(app.db);
    const call = (model: string, extra: Record<string, unknown> = {}) =>
      rawCall("/v1/chat/completions", {
        method: "POST",
        key: a.secret,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model, messages: [user("hi")], ...extra }),
      });
    const billed = await call("fake/bytes");
    const partial = await call("fake/break", { stream: true }); // the provider drops the stream after 5 chunks
    const free = await call("fake/500"); // the provider fails before any work: released
    expect([billed.status, partial.status, free.status]).toEqual([200, 200, 502]);
    expect(free.res.headers.get("x-credit-held")).not.toBeNull();

    const log = await listRequestLog({ db: app.db, accountId: a.accountId, filters: parseUsageFilters({ range: "7d" }) });
    const byId = new Map(log.rows.map((r) => [r.requestId, r]));
    const row = (r: { res: Response }) => byId.get(r.res.headers.get("x-request-id")!)!;
    expect(row(billed)).toMatchObject({ billingState: "billed", unitsSource: "provider", provider: "upstream" });
    expect(row(partial)).toMatchObject({ billingState: "partial", unitsSource: "estimate", provider: "upstream" });
    expect(row(partial).costMicroUsd > 0n).toBe(true);
    expect(row(free)).toMatchObject({ billingState: "free", costMicroUsd: 0n });

    const at = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    const cells = csvRow(row(partial)).split(",");
    expect([cells[at("billing_state")], cells[at("units_source")], cells[at("provider")]]).toEqual(["partial", "estimate", "upstream"]);
  });

  it("property: for random request bodies, the hold covers what the provider bills and the charge is what it reports", async () => {
    const a = await makeAccountWithKey(app.db);
    const text = fc.string({ unit: "binary", maxLength: 300 });
    const message = fc.oneof(
      fc.record({ role: fc.constantFrom("system", "developer", "user", "assistant"), content: text }),
      fc.record({ role: fc.constant("function"), name: fc.constant("f"), content: text }),
      fc.record({ role: fc.constant("assistant"), content: fc.constant(null), function_call: fc.record({ name: fc.constant("f"), arguments: text }) }),
      fc.record({ role: fc.constant("user"), content: fc.array(fc.record({ type: fc.constant("text"), text }), { minLength: 1, maxLength: 3 }) }),
    );
    const body = fc.record(
      {
        messages: fc.array(message, { minLength: 1, maxLength: 6 }),
        functions: fc.array(fc.record({ name: fc.constant("f"), description: text, parameters: fc.constant(schema) }), { minLength: 1, maxLength: 2 }),
        tools: fc.array(fc.record({ type: fc.constant("function"), function: fc.record({ name: fc.constant("t"), description: text }) }), {
          minLength: 1,
          maxLength: 2,
        }),
        response_format: fc.record({ type: fc.constant("json_schema"), json_schema: fc.record({ name: fc.constant("s"), description: text }) }),
        prediction: fc.record({ type: fc.constant("content"), content: text }),
        stream: fc.boolean(),
        max_tokens: fc.integer({ min: 10, max: 1024 }),
      },
      { requiredKeys: ["messages"] },
    );
    let spent = 0n;
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const streamed = b.stream === true ? { stream_options: { include_usage: true } } : {};
        const r = await rawCall("/v1/chat/completions", {
          method: "POST",
          key: a.secret,
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: "fake/bytes", ...b, ...streamed }),
        });
        expect(r.status, new TextDecoder().decode(r.bytes).slice(0, 300)).toBe(200);
        const billed = expectedCost("chat", everyBytePromptTokens(sent()), FAKE_USAGE.completion_tokens);
        const usage = b.stream ? (sseEvents(new TextDecoder().decode(r.bytes)).at(-1)!.data as { usage: { cost_micro_usd: number } }).usage : r.body.usage;
        expect(heldMicroUsd(r.res) >= billed).toBe(true);
        expect(usage.cost_micro_usd).toBe(Number(billed));
        spent += billed;
        expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(10_000_000n - spent);
      }),
      { numRuns: 40, seed: 20 },
    );
  });
});
