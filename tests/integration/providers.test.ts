import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import OpenAI from "openai";
import { usageEvents } from "@/db/schema";
import { getCatalog, type TextModel } from "@/lib/catalog";
import { auditAccount, readBalance } from "@/lib/ledger";
import { ceilDiv } from "@/lib/money";
import { renderImage } from "@/lib/providers/local/media/image";
import { countChatTokens } from "@/lib/providers/text/tokens";
import { textInputHold } from "@/lib/providers/text/prompt-bound";
import { appFetch, sdkClient } from "@/tests/helpers/app-fetch";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { FAKE_CACHED, FAKE_PIECES, FAKE_REASONING_TOKENS, FAKE_TEXT, startFakeUpstream, type FakeUpstream } from "@/tests/helpers/fake-upstream";
import { integrationApp } from "@/tests/helpers/fixture";

// Issue 16 against two strict fake providers (tests/helpers/fake-upstream.ts) configured
// through PROVIDERS: the client's body reaches the provider as sent; usage and its token
// details as the provider reported them, cached input at its own price; provider errors
// keep their meaning; fallback before the first byte only; a request no provider served
// costs nothing; image prices by quality and size; vision input.

const app = integrationApp();
let A: FakeUpstream;
let B: FakeUpstream;

const chatPrices = { inputMicroUsdPerMTokens: 150_000, outputMicroUsdPerMTokens: 600_000, cachedInputMicroUsdPerMTokens: 75_000 };
const routesAB = (model: string) => [
  { provider: "a", model },
  { provider: "b", model },
];

beforeAll(async () => {
  [A, B] = await Promise.all([startFakeUpstream({ name: "a", apiKey: "key-a" }), startFakeUpstream({ name: "b", apiKey: "key-b" })]);
  process.env.PROVIDERS = JSON.stringify({
    providers: [
      { id: "a", baseUrl: A.url, apiKey: "key-a", firstByteTimeoutMs: 1_000, timeoutMs: 1_500, breaker: { failures: 1000, cooldownMs: 1000 } },
      { id: "b", baseUrl: B.url, apiKey: "key-b", headers: { "X-Tenant": "t1" }, timeoutMs: 1_500, breaker: { failures: 1000, cooldownMs: 1000 } },
      // The same two servers under other ids, with a breaker that opens after 2 failures.
      { id: "c", baseUrl: A.url, apiKey: "key-a", breaker: { failures: 2, cooldownMs: 600_000 } },
      { id: "d", baseUrl: B.url, apiKey: "key-b" },
    ],
    models: [
      {
        id: "gpt-4o-mini",
        modality: "chat",
        providers: routesAB("gpt-4o-mini"),
        pricing: chatPrices,
        limits: { contextTokens: 128_000, maxOutputTokens: 16_384 },
        input: { images: true },
      },
      { id: "text-only", modality: "chat", providers: [{ provider: "a", model: "fake-usage" }], pricing: chatPrices },
      {
        id: "o4-mini",
        modality: "chat",
        providers: routesAB("o4-mini"),
        pricing: { inputMicroUsdPerMTokens: 1_100_000, outputMicroUsdPerMTokens: 4_400_000 },
        limits: { contextTokens: 200_000, maxOutputTokens: 100_000 },
      },
      { id: "cached", modality: "chat", providers: [{ provider: "a", model: "fake-cached" }], pricing: chatPrices },
      {
        id: "breaker-model",
        modality: "chat",
        providers: [
          { provider: "c", model: "gpt-4o-mini" },
          { provider: "d", model: "gpt-4o-mini" },
        ],
        pricing: chatPrices,
      },
      { id: "davinci", modality: "completion", providers: routesAB("fake-usage"), pricing: chatPrices },
      {
        id: "gpt-image-1",
        modality: "image",
        providers: routesAB("gpt-image-1"),
        pricing: {
          microUsdPerImage: 250_000,
          byQualityAndSize: [
            { quality: "low", size: "1024x1024", microUsdPerImage: 11_000 },
            { quality: "medium", size: "1024x1024", microUsdPerImage: 42_000 },
            { quality: "high", size: "1024x1024", microUsdPerImage: 167_000 },
            { quality: "high", size: "*", microUsdPerImage: 250_000 },
          ],
        },
        limits: { maxImagesPerRequest: 4, sizes: ["1024x1024", "1024x1536", "1536x1024"] },
      },
    ],
  });
});
afterAll(async () => {
  delete process.env.PROVIDERS;
  await Promise.all([A?.close(), B?.close()]);
});
beforeEach(async () => {
  A.reset();
  B.reset();
  await A.start();
});

const messages = [{ role: "user" as const, content: "Tell me about foxes." }];
const price = (id: string, input: number, output: number, cached = 0) => {
  const m = getCatalog().get(id) as TextModel;
  const p = m.pricing;
  return ceilDiv(
    BigInt(input - cached) * p.inputMicroUsdPerMTokens +
      BigInt(cached) * (p.cachedInputMicroUsdPerMTokens ?? p.inputMicroUsdPerMTokens) +
      BigInt(output) * p.outputMicroUsdPerMTokens,
    1_000_000n,
  );
};
const eventsOf = (accountId: string) => app.db.select().from(usageEvents).where(eq(usageEvents.accountId, accountId));
async function expectCharged(accountId: string, charged: bigint) {
  expect(await readBalance(app.db, accountId)).toEqual({
    balanceMicroUsd: 10_000_000n - charged,
    reservedMicroUsd: 0n,
    availableMicroUsd: 10_000_000n - charged,
  });
  expect((await auditAccount(app.db, accountId)).ok).toBe(true);
}
const post = (secret: string, path: string, body: unknown) =>
  appFetch(`http://app.test/v1${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("the client's request reaches the provider as sent", () => {
  it("plain: every parameter passes unchanged, only the model id is mapped and max_cost (ours) removed; usage details kept", async () => {
    const a = await makeAccountWithKey(app.db);
    const sent = {
      model: "gpt-4o-mini",
      messages,
      temperature: 0.3,
      top_p: 0.9,
      seed: 7,
      stop: ["\n\n"],
      logprobs: true,
      top_logprobs: 2,
      user: "u-1",
      metadata: { run: "x" },
      response_format: { type: "text" },
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: {} } } }],
      tool_choice: "auto",
    };
    const res = await sdkClient(a.secret).chat.completions.create({ ...sent, max_cost: 0.5 } as any);
    expect(A.requests).toHaveLength(1);
    const got = A.requests[0];
    expect(got.body).toEqual(sent);
    expect(got.authorization).toBe("Bearer key-a");
    expect(res.choices[0].message.content).toBe(FAKE_TEXT);
    expect(res.usage).toMatchObject({
      prompt_tokens: 21,
      completion_tokens: 10,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
      cost_micro_usd: Number(price("gpt-4o-mini", 21, 10)),
    });
    const [ev] = await eventsOf(a.accountId);
    expect(ev).toMatchObject({ provider: "a", providerAttempts: 1, status: "ok", errorCode: null });
  });

  it("stream without include_usage: the provider is asked for usage, the client never sees that chunk, and is billed the provider's count", async () => {
    const a = await makeAccountWithKey(app.db);
    const stream = await sdkClient(a.secret).chat.completions.create({ model: "gpt-4o-mini", messages, stream: true });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(A.requests[0].body).toEqual({ model: "gpt-4o-mini", messages, stream: true, stream_options: { include_usage: true } });
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("")).toBe(FAKE_TEXT);
    await expectCharged(a.accountId, price("gpt-4o-mini", 21, 10));
  });

  it("stream with include_usage: the body is exactly the client's; the last chunk has the provider's usage with details and our cost", async () => {
    const a = await makeAccountWithKey(app.db);
    const body = { model: "gpt-4o-mini", messages, stream: true as const, stream_options: { include_usage: true } };
    const chunks = [];
    for await (const c of await sdkClient(a.secret).chat.completions.create(body)) chunks.push(c);
    expect(A.requests[0].body).toEqual(body);
    expect(chunks.at(-1)!.usage).toMatchObject({
      prompt_tokens: 21,
      completion_tokens: 10,
      prompt_tokens_details: { cached_tokens: 0 },
      cost_micro_usd: Number(price("gpt-4o-mini", 21, 10)),
    });
  });

  it("no cap: none is added and the model's maximum output is reserved; max_completion_tokens is honoured as the cap", async () => {
    const a = await makeAccountWithKey(app.db);
    // The worst case with no cap is the input held (the bound of what a provider can bill for
    // the body: lib/providers/text/prompt-bound.ts) + maxOutputTokens (100,000): above a $0.10 max_cost.
    const input = textInputHold(getCatalog().get("o4-mini") as TextModel, { model: "o4-mini", messages, max_cost: 0.1 }, countChatTokens(messages), 0);
    const worst = price("o4-mini", input, 100_000);
    const refused = await post(a.secret, "/chat/completions", { model: "o4-mini", messages, max_cost: 0.1 });
    expect(refused.status).toBe(402);
    expect((await refused.json()).error.message).toContain(`worst-case cost is $${(Number(worst) / 1e6).toFixed(6)}`);
    expect(A.requests).toHaveLength(0);

    const res = await sdkClient(a.secret).chat.completions.create({ model: "o4-mini", messages, max_completion_tokens: 500, max_cost: 0.1 } as any);
    expect(A.requests[0].body).toEqual({ model: "o4-mini", messages, max_completion_tokens: 500 });
    // Reasoning tokens are part of the completion tokens, billed as output.
    const out = 10 + FAKE_REASONING_TOKENS;
    expect(res.usage).toMatchObject({
      completion_tokens: out,
      completion_tokens_details: { reasoning_tokens: FAKE_REASONING_TOKENS },
      cost_micro_usd: Number(price("o4-mini", 21, out)),
    });
    const [ev] = await eventsOf(a.accountId);
    expect(ev).toMatchObject({ reasoningTokens: FAKE_REASONING_TOKENS, outputTokens: out });
  });

  it("n choices are priced: the reservation covers n outputs and the provider's count of all choices is billed", async () => {
    const a = await makeAccountWithKey(app.db);
    const res = await sdkClient(a.secret).chat.completions.create({ model: "gpt-4o-mini", messages, n: 3, max_tokens: 50 });
    expect(A.requests[0].body).toEqual({ model: "gpt-4o-mini", messages, n: 3, max_tokens: 50 });
    expect(res.choices).toHaveLength(3);
    expect(res.usage).toMatchObject({ completion_tokens: 30, cost_micro_usd: Number(price("gpt-4o-mini", 21, 30)) });
  });

  it("parameters that would cost money we do not price are refused with a 400 naming them, before the provider", async () => {
    const a = await makeAccountWithKey(app.db);
    for (const [param, value] of [
      ["modalities", ["text", "audio"]],
      ["audio", { voice: "alloy", format: "wav" }],
      ["web_search_options", {}],
      ["service_tier", "priority"],
    ] as const) {
      const res = await post(a.secret, "/chat/completions", { model: "gpt-4o-mini", messages, [param]: value });
      expect(res.status).toBe(400);
      expect((await res.json()).error).toMatchObject({ type: "invalid_request_error", param, code: "invalid_request" });
    }
    const nSim = await post(a.secret, "/chat/completions", { model: "local/echo-chat", messages, n: 2 });
    expect([nSim.status, (await nSim.json()).error.param]).toEqual([400, "n"]);
    expect(A.requests).toHaveLength(0);
    await expectCharged(a.accountId, 0n);
  });
});

describe("usage as the provider reported it", () => {
  it("cached input tokens are billed at the model's cached-input price and recorded on the usage event", async () => {
    const a = await makeAccountWithKey(app.db);
    const res = await sdkClient(a.secret).chat.completions.create({ model: "cached", messages });
    const charged = price("cached", FAKE_CACHED.prompt_tokens, FAKE_CACHED.completion_tokens, FAKE_CACHED.cached_tokens);
    expect(charged).toBeLessThan(price("cached", FAKE_CACHED.prompt_tokens, FAKE_CACHED.completion_tokens));
    expect(res.usage).toMatchObject({ prompt_tokens: 2000, prompt_tokens_details: { cached_tokens: 1536 }, cost_micro_usd: Number(charged) });
    const [ev] = await eventsOf(a.accountId);
    expect(ev).toMatchObject({ inputTokens: 2000, cachedInputTokens: 1536, costMicroUsd: charged });
    await expectCharged(a.accountId, charged);
  });
});

describe("provider errors keep their meaning", () => {
  it("a provider's 400 keeps its status, message, param and code, and is not retried on the next provider", async () => {
    const a = await makeAccountWithKey(app.db);
    const res = await post(a.secret, "/chat/completions", { model: "o4-mini", messages, max_tokens: 100 });
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error).toMatchObject({ type: "invalid_request_error", param: "max_tokens", code: "unsupported_parameter" });
    expect(error.message).toContain("Use 'max_completion_tokens' instead");
    const unknown = await (await post(a.secret, "/chat/completions", { model: "gpt-4o-mini", messages, frobnicate: 1 })).json();
    expect(unknown.error).toMatchObject({ param: "frobnicate", code: "unknown_parameter" });
    expect([A.requests.length, B.requests.length]).toEqual([2, 0]);
    await expectCharged(a.accountId, 0n);
  });

  it("every provider at capacity (429): 429 with the soonest Retry-After and a type that is not the key's own limit; nothing charged", async () => {
    const a = await makeAccountWithKey(app.db);
    A.fail({ kind: "status", status: 429, retryAfterSeconds: 20 });
    B.fail({ kind: "status", status: 429, retryAfterSeconds: 7 });
    const res = await post(a.secret, "/chat/completions", { model: "gpt-4o-mini", messages });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(res.headers.get("x-ratelimit-limit-requests")).toBe("300"); // our own limit's headers are still ours
    expect((await res.json()).error).toMatchObject({ type: "provider_capacity", code: "provider_rate_limited" });
    const [ev] = await eventsOf(a.accountId);
    expect(ev).toMatchObject({ costMicroUsd: 0n, httpStatus: 429, errorCode: "provider_rate_limited", provider: "b", providerAttempts: 2 });
    await expectCharged(a.accountId, 0n);
  });

  it("every provider failing (5xx): 502 saying the provider failed, without its internals; released, usage event with cost 0 and the error", async () => {
    const a = await makeAccountWithKey(app.db);
    A.fail({ kind: "status", status: 500 });
    B.fail({ kind: "status", status: 503 });
    const res = await post(a.secret, "/chat/completions", { model: "gpt-4o-mini", messages, stream: true });
    expect(res.status).toBe(502);
    const { error } = await res.json();
    expect(error).toMatchObject({ type: "upstream_error", code: "upstream_error" });
    expect(error.message).toMatch(/provider failed \(HTTP 503\)/);
    expect(error.message).not.toContain("10.0.0.7");
    const [ev] = await eventsOf(a.accountId);
    expect(ev).toMatchObject({ costMicroUsd: 0n, httpStatus: 502, errorCode: "upstream_error", providerAttempts: 2 });
    await expectCharged(a.accountId, 0n);
  });
});

describe("fallback before the first byte, never after", () => {
  const failures: [string, (up: FakeUpstream) => Promise<void> | void][] = [
    ["connection refused", (up) => up.stop()],
    ["HTTP 500", (up) => up.fail({ kind: "status", status: 500 })],
    ["HTTP 429", (up) => up.fail({ kind: "status", status: 429, retryAfterSeconds: 30 })],
    ["slow first byte", (up) => up.fail({ kind: "slow", ms: 3_000 })],
  ];
  for (const [what, breakA] of failures) {
    for (const stream of [false, true]) {
      it(`${what} on the first provider (${stream ? "stream" : "plain"}): the second answers, once; the event says who served after how many tries`, async () => {
        const a = await makeAccountWithKey(app.db);
        await breakA(A);
        const client = sdkClient(a.secret);
        let text = "";
        if (stream) {
          for await (const c of await client.chat.completions.create({
            model: "gpt-4o-mini",
            messages,
            stream: true,
            stream_options: { include_usage: true },
          })) {
            text += c.choices[0]?.delta?.content ?? "";
          }
        } else text = (await client.chat.completions.create({ model: "gpt-4o-mini", messages })).choices[0].message.content!;
        expect(text).toBe(FAKE_TEXT);
        expect(B.requests).toHaveLength(1);
        expect(B.requests[0].authorization).toBe("Bearer key-b");
        expect(B.requests[0].headers["x-tenant"]).toBe("t1");
        const [ev] = await eventsOf(a.accountId);
        expect(ev).toMatchObject({ provider: "b", providerAttempts: 2, status: "ok" });
        await expectCharged(a.accountId, price("gpt-4o-mini", 21, 10));
      });
    }
  }

  it("a stream that breaks after its first chunks is not retried: the client gets those chunks and an error, billed for them", async () => {
    const a = await makeAccountWithKey(app.db);
    A.fail({ kind: "break", chunks: 3 });
    const stream = await sdkClient(a.secret).chat.completions.create({ model: "gpt-4o-mini", messages, stream: true });
    let text = "";
    const err = await (async () => {
      for await (const c of stream) text += c.choices[0]?.delta?.content ?? "";
    })().catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(text).toBe(FAKE_PIECES.slice(0, 3).join(""));
    expect(B.requests).toHaveLength(0);
    const [ev] = await eventsOf(a.accountId);
    expect(ev).toMatchObject({ provider: "a", providerAttempts: 1, status: "upstream_error" });
    expect(ev.costMicroUsd).toBeGreaterThan(0n);
  });

  it("completions and images fall back too", async () => {
    const a = await makeAccountWithKey(app.db);
    A.fail({ kind: "status", status: 502 }, 2);
    const c = await sdkClient(a.secret).completions.create({ model: "davinci", prompt: "foxes" });
    expect(c.choices[0].text).toBe(FAKE_TEXT);
    const img = await sdkClient(a.secret).images.generate({ model: "gpt-image-1", prompt: "a fox", quality: "low", size: "1024x1024" });
    expect(Buffer.from(img.data![0].b64_json!, "base64").toString()).toBe("b-img0");
    expect(B.requests.map((r) => r.path)).toEqual(["/v1/completions", "/v1/images/generations"]);
  });

  it("a provider failing repeatedly is skipped for a while (breaker): the next request goes straight to the second", async () => {
    const a = await makeAccountWithKey(app.db);
    const client = sdkClient(a.secret);
    A.fail({ kind: "status", status: 500 }, 10);
    for (let i = 0; i < 2; i++) await client.chat.completions.create({ model: "breaker-model", messages });
    expect(A.requests).toHaveLength(2);
    await client.chat.completions.create({ model: "breaker-model", messages });
    expect(A.requests).toHaveLength(2); // skipped
    expect(B.requests).toHaveLength(3);
    const events = await eventsOf(a.accountId);
    expect(events.map((e) => [e.provider, e.providerAttempts])).toEqual([
      ["d", 2],
      ["d", 2],
      ["d", 1],
    ]);
  });
});

describe("images and vision", () => {
  it("gpt-image: the body as sent (no response_format added), priced by quality and size; auto settled at the quality the provider used", async () => {
    const a = await makeAccountWithKey(app.db);
    const client = sdkClient(a.secret);
    const high = await client.images.generate({ model: "gpt-image-1", prompt: "a fox", quality: "high", size: "1024x1024" });
    expect(A.requests[0].body).toEqual({ model: "gpt-image-1", prompt: "a fox", quality: "high", size: "1024x1024" });
    expect((high.usage as any).cost_micro_usd).toBe(167_000);
    expect(high.usage).toMatchObject({ input_tokens: 12, output_tokens: 4160 });
    const auto = await client.images.generate({ model: "gpt-image-1", prompt: "a fox", n: 2 });
    expect(A.requests[1].body).toEqual({ model: "gpt-image-1", prompt: "a fox", n: 2 });
    expect((auto.usage as any).cost_micro_usd).toBe(2 * 42_000); // the fake resolves auto to medium, 1024x1024
    const refused = await post(a.secret, "/images/generations", { model: "gpt-image-1", prompt: "a fox", response_format: "url" });
    expect(refused.status).toBe(400);
    expect((await refused.json()).error).toMatchObject({ param: "response_format", code: "unknown_parameter" });
    await expectCharged(a.accountId, 167_000n + 84_000n);
  });

  it("image parts reach a vision model as sent and are settled from its usage; a model without vision refuses them naming the part", async () => {
    const a = await makeAccountWithKey(app.db);
    const png = renderImage("fox", 1024, 1024, 0).png.toString("base64");
    const vision = [
      {
        role: "user" as const,
        content: [
          { type: "text" as const, text: "What is this?" },
          { type: "image_url" as const, image_url: { url: `data:image/png;base64,${png}`, detail: "high" as const } },
          { type: "image_url" as const, image_url: { url: "https://images.example/fox.jpg", detail: "low" as const } },
        ],
      },
    ];
    const res = await sdkClient(a.secret).chat.completions.create({ model: "gpt-4o-mini", messages: vision });
    expect(A.requests[0].body).toEqual({ model: "gpt-4o-mini", messages: vision });
    // The fake reports 765 tokens for a high-detail image, 85 for a low one.
    expect(res.usage).toMatchObject({ prompt_tokens: 21 + 765 + 85, cost_micro_usd: Number(price("gpt-4o-mini", 21 + 765 + 85, 10)) });
    const refused = await post(a.secret, "/chat/completions", { model: "text-only", messages: vision });
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.param).toBe("messages[0].content[1]");
    expect(A.requests).toHaveLength(1);
  });
});
