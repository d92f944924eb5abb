import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateText, streamText, APICallError } from "ai";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { ChatOpenAI } from "@langchain/openai";
import OpenAI from "openai";
import { getCatalog, type TextModel } from "@/lib/catalog";
import { ceilDiv } from "@/lib/money";
import { appFetch, sdkClient } from "@/tests/helpers/app-fetch";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { FAKE_CACHED, FAKE_REASONING_TOKENS, FAKE_TEXT, startFakeUpstream, type FakeUpstream } from "@/tests/helpers/fake-upstream";
import { integrationApp } from "@/tests/helpers/fixture";

// The clients developers use, unchanged, against our app in front of two strict fake
// providers (which refuse any parameter OpenAI's API would refuse): the official openai SDK,
// the AI SDK (`ai` with @ai-sdk/openai's chat model and @ai-sdk/openai-compatible) and
// LangChain's ChatOpenAI. Plain and streamed; usage (with cached and reasoning details) and
// our cost visible; errors keep their meaning; a provider outage is invisible to them.

const app = integrationApp();
let A: FakeUpstream;
let B: FakeUpstream;
let secret: string;
const BASE = "http://app.test/v1";

beforeAll(async () => {
  [A, B] = await Promise.all([startFakeUpstream({ name: "a", apiKey: "ka" }), startFakeUpstream({ name: "b", apiKey: "kb" })]);
  const prices = { inputMicroUsdPerMTokens: 150_000, outputMicroUsdPerMTokens: 600_000, cachedInputMicroUsdPerMTokens: 75_000 };
  process.env.PROVIDERS = JSON.stringify({
    providers: [
      { id: "a", baseUrl: A.url, apiKey: "ka", breaker: { failures: 1000, cooldownMs: 1000 } },
      { id: "b", baseUrl: B.url, apiKey: "kb" },
    ],
    models: [
      { id: "gpt-4o-mini", modality: "chat", providers: [{ provider: "a" }, { provider: "b" }], pricing: prices, input: { images: true } },
      {
        id: "o4-mini",
        modality: "chat",
        providers: [{ provider: "a" }, { provider: "b" }],
        pricing: prices,
        limits: { contextTokens: 200_000, maxOutputTokens: 100_000 },
      },
      { id: "cached-model", modality: "chat", providers: [{ provider: "a", model: "fake-cached" }], pricing: prices },
    ],
  });
  secret = (await makeAccountWithKey(app.db)).secret;
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

const cost = (id: string, input: number, output: number, cached = 0) => {
  const p = (getCatalog().get(id) as TextModel).pricing;
  return Number(
    ceilDiv(
      BigInt(input - cached) * p.inputMicroUsdPerMTokens + BigInt(cached) * p.cachedInputMicroUsdPerMTokens! + BigInt(output) * p.outputMicroUsdPerMTokens,
      1_000_000n,
    ),
  );
};
const fetchOf = appFetch as unknown as typeof fetch;
const prompt = "Tell me about foxes.";

describe("official openai SDK", () => {
  it("plain, streamed, reasoning model with max_completion_tokens, and a provider error with its param and code", async () => {
    const client = sdkClient(secret);
    const r = await client.chat.completions.create({ model: "o4-mini", messages: [{ role: "user", content: prompt }], max_completion_tokens: 300 });
    expect(r.usage).toMatchObject({
      completion_tokens_details: { reasoning_tokens: FAKE_REASONING_TOKENS },
      cost_micro_usd: cost("o4-mini", 21, 10 + FAKE_REASONING_TOKENS),
    });
    let text = "";
    let usage: any;
    for await (const c of await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: prompt }],
      stream: true,
      stream_options: { include_usage: true },
    })) {
      text += c.choices[0]?.delta?.content ?? "";
      if (c.usage) usage = c.usage;
    }
    expect(text).toBe(FAKE_TEXT);
    expect(usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 10, cost_micro_usd: cost("gpt-4o-mini", 21, 10) });
    const err = await client.chat.completions.create({ model: "o4-mini", messages: [{ role: "user", content: prompt }], max_tokens: 10 }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect([err.param, err.code]).toEqual(["max_tokens", "unsupported_parameter"]);
    A.fail({ kind: "status", status: 429, retryAfterSeconds: 9 });
    B.fail({ kind: "status", status: 429, retryAfterSeconds: 4 });
    const limited = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: prompt }] }).catch((e) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect([limited.code, limited.type, limited.headers.get("retry-after")]).toEqual(["provider_rate_limited", "provider_capacity", "4"]);
  });
});

describe("AI SDK (ai 6)", () => {
  // Built in the tests: the key exists once beforeAll ran.
  const openai = { chat: (id: string) => createOpenAI({ baseURL: BASE, apiKey: secret, fetch: fetchOf }).chat(id) };
  const compatible = {
    chatModel: (id: string) => createOpenAICompatible({ name: "metered", baseURL: BASE, apiKey: secret, fetch: fetchOf, includeUsage: true }).chatModel(id),
  };

  it("@ai-sdk/openai chat model: generateText and streamText, usage with cached and reasoning details, cost in the raw body", async () => {
    const plain = await generateText({ model: openai.chat("cached-model"), prompt, maxRetries: 0 });
    expect(plain.text).toBe(FAKE_TEXT);
    expect(plain.usage).toMatchObject({
      inputTokens: FAKE_CACHED.prompt_tokens,
      outputTokens: 10,
      inputTokenDetails: { cacheReadTokens: FAKE_CACHED.cached_tokens },
    });
    expect((plain.response.body as any).usage.cost_micro_usd).toBe(cost("cached-model", FAKE_CACHED.prompt_tokens, 10, FAKE_CACHED.cached_tokens));
    // The AI SDK knows o-series models take max_completion_tokens: the strict provider accepts its body.
    const reasoning = await generateText({ model: openai.chat("o4-mini"), prompt, maxOutputTokens: 400, maxRetries: 0 });
    expect(reasoning.usage.outputTokenDetails.reasoningTokens).toBe(FAKE_REASONING_TOKENS);
    expect(A.requests.at(-1)!.body).toMatchObject({ model: "o4-mini", max_completion_tokens: 400 });
    expect(A.requests.at(-1)!.body).not.toHaveProperty("max_tokens");

    const stream = streamText({ model: openai.chat("gpt-4o-mini"), prompt, includeRawChunks: true, maxRetries: 0 });
    let costMicroUsd: number | undefined;
    for await (const part of stream.fullStream)
      if (part.type === "raw" && (part.rawValue as any)?.usage) costMicroUsd = (part.rawValue as any).usage.cost_micro_usd;
    expect(await stream.text).toBe(FAKE_TEXT);
    expect(await stream.usage).toMatchObject({ inputTokens: 21, outputTokens: 10 });
    expect(costMicroUsd).toBe(cost("gpt-4o-mini", 21, 10));
  });

  it("@ai-sdk/openai default model (the Responses API): generateText and streamText reach the strict provider as a chat request", async () => {
    const responses = (id: string) => createOpenAI({ baseURL: BASE, apiKey: secret, fetch: fetchOf })(id);
    const plain = await generateText({ model: responses("gpt-4o-mini"), prompt, maxRetries: 0 });
    expect(plain.text).toBe(FAKE_TEXT);
    expect(plain.usage).toMatchObject({ inputTokens: 21, outputTokens: 10 });
    expect(A.requests.at(-1)!.path).toBe("/v1/chat/completions");
    const stream = streamText({ model: responses("gpt-4o-mini"), prompt, maxRetries: 0 });
    expect(await stream.text).toBe(FAKE_TEXT);
    expect(await stream.usage).toMatchObject({ inputTokens: 21, outputTokens: 10 });
  });

  it("@ai-sdk/openai-compatible: plain and streamed, through a provider outage", async () => {
    await A.stop(); // the first provider is down: the client cannot tell
    const plain = await generateText({ model: compatible.chatModel("gpt-4o-mini"), prompt, maxRetries: 0 });
    expect(plain.text).toBe(FAKE_TEXT);
    expect(plain.usage).toMatchObject({ inputTokens: 21, outputTokens: 10 });
    const stream = streamText({ model: compatible.chatModel("gpt-4o-mini"), prompt, maxRetries: 0 });
    expect(await stream.text).toBe(FAKE_TEXT);
    expect(await stream.usage).toMatchObject({ inputTokens: 21, outputTokens: 10 });
    expect(B.requests).toHaveLength(2);
  });

  it("errors: the provider's 400 reaches the AI SDK as a 400 with its message", async () => {
    const err = await generateText({ model: compatible.chatModel("o4-mini"), prompt, maxOutputTokens: 5, maxRetries: 0 }).catch((e) => e);
    expect(APICallError.isInstance(err)).toBe(true);
    expect(err.statusCode).toBe(400);
    expect(err.message).toContain("max_completion_tokens");
    expect(JSON.parse(err.responseBody).error).toMatchObject({ param: "max_tokens", code: "unsupported_parameter" });
  });
});

describe("LangChain ChatOpenAI (@langchain/openai 1.4)", () => {
  const chat = (model: string, extra: object = {}) =>
    new ChatOpenAI({ model, apiKey: secret, maxRetries: 0, configuration: { baseURL: BASE, fetch: fetchOf }, ...extra });

  it("invoke and stream: text, usage metadata with cached and reasoning details", async () => {
    const msg = await chat("cached-model").invoke(prompt);
    expect(msg.content).toBe(FAKE_TEXT);
    expect(msg.usage_metadata).toMatchObject({ input_tokens: 2000, output_tokens: 10, input_token_details: { cache_read: 1536 } });
    const reasoning = await chat("o4-mini", { maxTokens: 300 }).invoke(prompt);
    expect(reasoning.usage_metadata).toMatchObject({ output_token_details: { reasoning: FAKE_REASONING_TOKENS } });
    let text = "";
    let usage: any;
    for await (const chunk of await chat("gpt-4o-mini").stream(prompt)) {
      text += chunk.content;
      if (chunk.usage_metadata) usage = chunk.usage_metadata;
    }
    expect(text).toBe(FAKE_TEXT);
    expect(usage).toMatchObject({ input_tokens: 21, output_tokens: 10 });
  });

  it("errors keep their status and code", async () => {
    A.fail({ kind: "status", status: 500 });
    B.fail({ kind: "status", status: 500 });
    const err = await chat("gpt-4o-mini")
      .invoke(prompt)
      .catch((e) => e);
    expect(err.status ?? err.response?.status).toBe(502);
    expect(String(err.message)).toMatch(/provider failed/);
  });
});
