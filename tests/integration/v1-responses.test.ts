import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { countTokens } from "gpt-tokenizer";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, streamText } from "ai";
import { usageEvents } from "@/db/schema";
import { getCatalog, type TextModel } from "@/lib/catalog";
import { ceilDiv } from "@/lib/money";
import { appFetch, sdkClient } from "@/tests/helpers/app-fetch";
import { integrationApp } from "@/tests/helpers/fixture";
import { mediaAccount, moneyState, rawCall } from "@/tests/helpers/media";
import { sseEvents } from "@/tests/contract/openapi-validator";
import { FAKE_PIECES, FAKE_TEXT, FAKE_USAGE, fakeUpstreamModels, startFakeUpstream, type FakeUpstream } from "@/tests/helpers/fake-upstream";

// POST /v1/responses with the official SDK (plain and stream: true) and the AI SDK's
// default OpenAI provider (which calls the Responses API): same metering as chat, usage
// with our cost, early close billed for the tokens delivered, unsupported parameters
// refused by name.

process.env.LOCAL_SIM_CHUNK_DELAY_MS = "0";

const app = integrationApp();
let up: FakeUpstream;
beforeAll(async () => {
  up = await startFakeUpstream();
  process.env.UPSTREAM_BASE_URL = up.url;
  process.env.UPSTREAM_MODELS = fakeUpstreamModels(["usage", "stall", "errstream"]);
});
afterAll(async () => {
  for (const k of ["UPSTREAM_BASE_URL", "UPSTREAM_MODELS"]) delete process.env[k];
  await up?.close();
});

const model = (id: string) => getCatalog().get(id) as TextModel;
const cost = (id: string, input: number, output: number) =>
  ceilDiv(BigInt(input) * model(id).pricing.inputMicroUsdPerMTokens + BigInt(output) * model(id).pricing.outputMicroUsdPerMTokens, 1_000_000n);
// OpenAI's chat accounting, as for /v1/chat/completions: 3 per message + role + content, 3 to prime.
const chatInput = (...msgs: [string, string][]) => 3 + msgs.reduce((n, [role, content]) => n + 3 + countTokens(role) + countTokens(content), 0);
const events = (accountId: string) => app.db.select().from(usageEvents).where(eq(usageEvents.accountId, accountId));

describe(`POST /v1/responses (${process.env.TEST_DB ?? "postgres"})`, () => {
  it("plain: the SDK's output_text, usage in the Responses shape with the exact cost, charged once like chat", async () => {
    const a = await mediaAccount(app.db);
    const client = sdkClient(a.secret);
    const text = "Hello there, how much does this cost?";
    const r = await client.responses.create({ model: "local/echo-chat", input: text, instructions: "Answer briefly." });
    expect(r.output_text).toBe(text);
    expect(r).toMatchObject({
      object: "response",
      status: "completed",
      model: "local/echo-chat",
      instructions: "Answer briefly.",
      error: null,
      incomplete_details: null,
    });
    expect(r.id).toMatch(/^resp_/);
    const input = chatInput(["system", "Answer briefly."], ["user", text]);
    const output = countTokens(text);
    const expected = cost("local/echo-chat", input, output);
    expect(r.usage).toEqual({
      input_tokens: input,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: input + output,
      cost: Number(expected) / 1e6,
      cost_micro_usd: Number(expected),
      cost_source: "provider",
    });
    const m = await moneyState(app.db, a.accountId);
    expect([m.balanceMicroUsd, m.reservedMicroUsd, m.auditOk]).toEqual([10_000_000n - expected, 0n, true]);
    expect((await events(a.accountId)).map((e) => [e.modality, e.inputTokens, e.outputTokens, e.costMicroUsd, e.status])).toEqual([
      ["chat", input, output, expected, "ok"],
    ]);
  });

  it("stream: OpenAI's event sequence, deltas that add up to the text, response.completed with usage and cost", async () => {
    const a = await mediaAccount(app.db);
    const client = sdkClient(a.secret);
    const input = [{ role: "user" as const, content: [{ type: "input_text" as const, text: "Stream me, please: one two three." }] }];
    const stream = await client.responses.create({ model: "local/echo-chat", input, stream: true });
    const types: string[] = [];
    let deltas = "";
    let completed: any;
    for await (const e of stream) {
      types.push(e.type);
      if (e.type === "response.output_text.delta") deltas += e.delta;
      if (e.type === "response.completed") completed = e.response;
    }
    const n = types.filter((x) => x === "response.output_text.delta").length;
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      ...Array(n).fill("response.output_text.delta"),
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(n).toBe(countTokens("Stream me, please: one two three."));
    expect(deltas).toBe("Stream me, please: one two three.");
    expect(completed.output_text ?? completed.output[0].content[0].text).toBe(deltas);
    const expected = cost("local/echo-chat", chatInput(["user", deltas]), n);
    expect(completed.usage).toMatchObject({ output_tokens: n, cost_micro_usd: Number(expected) });
    expect((await moneyState(app.db, a.accountId)).balanceMicroUsd).toBe(10_000_000n - expected);
  });

  it("max_output_tokens caps the output: status incomplete, reason max_output_tokens, plain and streamed", async () => {
    const a = await mediaAccount(app.db);
    const client = sdkClient(a.secret);
    const r = await client.responses.create({ model: "local/lorem-chat", input: "write", max_output_tokens: 20 });
    expect([r.status, r.incomplete_details?.reason, r.usage?.output_tokens]).toEqual(["incomplete", "max_output_tokens", 20]);
    const last: string[] = [];
    for await (const e of await client.responses.create({ model: "local/lorem-chat", input: "write", max_output_tokens: 20, stream: true })) last.push(e.type);
    expect(last.at(-1)).toBe("response.incomplete");
  });

  it("a client that closes the stream early is billed for the tokens delivered, as for chat", async () => {
    const a = await mediaAccount(app.db);
    const stream = await sdkClient(a.secret).responses.create({ model: "local/lorem-chat", input: "write a lot", max_output_tokens: 2_000, stream: true });
    let seen = 0;
    for await (const e of stream) if (e.type === "response.output_text.delta" && ++seen === 5) break; // the SDK aborts the request
    await vi.waitFor(async () => expect(await events(a.accountId)).toHaveLength(1));
    const [ev] = await events(a.accountId);
    expect(ev).toMatchObject({ status: "aborted", aborted: true });
    // Billed what the chat stream delivered: what the client saw, plus what the layers in
    // between had already taken (the chat stream, the event stream and the body each hold at
    // most one chunk ahead of their reader); far below the 2,000 reserved.
    expect(ev.outputTokens).toBeGreaterThanOrEqual(5);
    expect(ev.outputTokens).toBeLessThanOrEqual(5 + 3);
    expect(ev.costMicroUsd).toBe(cost("local/lorem-chat", ev.inputTokens, ev.outputTokens));
    const m = await moneyState(app.db, a.accountId);
    expect([m.balanceMicroUsd, m.reservedMicroUsd, m.auditOk]).toEqual([10_000_000n - ev.costMicroUsd, 0n, true]);
  });

  it("upstream models: the chat request that reaches the provider, and the provider's usage billed", async () => {
    const a = await mediaAccount(app.db);
    const r = await sdkClient(a.secret).responses.create({
      model: "fake/usage",
      input: [{ role: "user", content: "hi" }],
      instructions: "Be nice.",
      max_output_tokens: 50,
      temperature: 0.2,
    });
    expect(r.output_text).toBe(FAKE_TEXT);
    const sent = up.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.body).toMatchObject({
      model: "fake-usage",
      messages: [
        { role: "system", content: "Be nice." },
        { role: "user", content: "hi" },
      ],
      max_completion_tokens: 50,
      temperature: 0.2,
    });
    expect(r.usage).toMatchObject({
      input_tokens: FAKE_USAGE.prompt_tokens,
      output_tokens: FAKE_USAGE.completion_tokens,
      cost_micro_usd: Number(cost("fake/usage", 21, 10)),
    });
  });

  it("an upstream failing mid-stream ends with response.failed; the tokens delivered are billed", async () => {
    const a = await mediaAccount(app.db);
    const r = await rawCall("/v1/responses", {
      method: "POST",
      key: a.secret,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "fake/errstream", input: "hi", stream: true }),
    });
    const evs = sseEvents(new TextDecoder().decode(r.bytes)).map((e) => e.data as Record<string, any>);
    const deltas = evs
      .filter((e) => e.type === "response.output_text.delta")
      .map((e) => e.delta)
      .join("");
    expect(deltas).toBe(FAKE_PIECES.slice(0, 3).join(""));
    expect(evs.at(-1)).toMatchObject({ type: "response.failed", response: { status: "failed", error: { code: "server_error" } } });
    const [ev] = await events(a.accountId);
    expect(ev).toMatchObject({ status: "upstream_error", outputTokens: countTokens(deltas) });
    expect((await moneyState(app.db, a.accountId)).balanceMicroUsd).toBe(10_000_000n - ev.costMicroUsd);
  });

  it("refuses what it does not support with a 400 naming the parameter; nothing is charged", async () => {
    const a = await mediaAccount(app.db);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ tools: [{ type: "web_search" }] }, 400, "tools"],
      [{ previous_response_id: "resp_123" }, 400, "previous_response_id"],
      [{ conversation: "conv_1" }, 400, "conversation"],
      [{ store: true }, 400, "store"],
      [{ background: true }, 400, "background"],
      [{ service_tier: "priority" }, 400, "service_tier"],
      [{ truncation: "auto" }, 400, "truncation"],
      [{ input: [{ role: "user", content: [{ type: "input_image", image_url: "http://x/y.png" }] }] }, 400, "input[0].content[0]"],
      [{ input: [{ type: "function_call_output", call_id: "c", output: "x" }] }, 400, "input[0].type"],
      [{ input: 42 }, 400, "input"],
      [{ max_output_tokens: 99_999 }, 400, "max_output_tokens"],
      [{ temperature: 3 }, 400, "temperature"],
      [{ text: { format: { type: "xml" } } }, 400, "text.format"],
      [{ model: "local/image-sim" }, 400, "model"],
      [{ frequency_penalty: 0.5 }, 400, "frequency_penalty"], // not a Responses parameter: refused, never dropped
    ];
    for (const [patch, status, param] of cases) {
      const r = await rawCall("/v1/responses", {
        method: "POST",
        key: a.secret,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "local/echo-chat", input: "hi", ...patch }),
      });
      expect([r.status, r.body?.error?.param], JSON.stringify(patch)).toEqual([status, param]);
    }
    // Harmless values of those parameters are accepted.
    const fine = await rawCall("/v1/responses", {
      method: "POST",
      key: a.secret,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "local/echo-chat",
        input: "hi",
        store: false,
        tools: [],
        tool_choice: "auto",
        truncation: "disabled",
        metadata: { a: "b" },
      }),
    });
    expect([fine.status, fine.body.store, fine.body.metadata]).toEqual([200, false, { a: "b" }]);
  });

  it("the AI SDK's default OpenAI provider (Responses API): generateText and streamText", async () => {
    const a = await mediaAccount(app.db);
    const openai = createOpenAI({ apiKey: a.secret, baseURL: "http://app.test/v1", fetch: appFetch as typeof fetch });
    const g = await generateText({ model: openai("local/echo-chat"), prompt: "Hello from the AI SDK" });
    expect(g.text).toBe("Hello from the AI SDK");
    expect(g.usage.outputTokens).toBe(countTokens("Hello from the AI SDK"));
    const s = streamText({ model: openai("local/echo-chat"), prompt: "Streaming from the AI SDK" });
    let streamed = "";
    for await (const piece of s.textStream) streamed += piece;
    expect(streamed).toBe("Streaming from the AI SDK");
    expect((await s.usage).outputTokens).toBe(countTokens("Streaming from the AI SDK"));
  });
});
