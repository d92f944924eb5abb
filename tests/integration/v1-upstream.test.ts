import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import OpenAI from "openai";
import { countTokens } from "gpt-tokenizer";
import { usageEvents } from "@/db/schema";
import { getCatalog, type TextModel } from "@/lib/catalog";
import { auditAccount, readBalance } from "@/lib/ledger";
import { ceilDiv } from "@/lib/money";
import { countChatTokens } from "@/lib/providers/text/tokens";
import { sdkClient } from "@/tests/helpers/app-fetch";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { FAKE_PIECES, FAKE_TEXT, fakeUpstreamModels, startFakeUpstream, type FakeUpstream } from "@/tests/helpers/fake-upstream";
import { integrationApp } from "@/tests/helpers/fixture";

const app = integrationApp();
let up: FakeUpstream;
beforeAll(async () => {
  up = await startFakeUpstream();
  process.env.UPSTREAM_BASE_URL = up.url;
  process.env.UPSTREAM_API_KEY = "up-secret";
  process.env.UPSTREAM_MODELS = fakeUpstreamModels();
  // The slow-upstream cases wait this long for a first byte / the next chunk.
  process.env.UPSTREAM_TIMEOUT_MS = "1500";
});
afterAll(async () => {
  for (const k of ["UPSTREAM_BASE_URL", "UPSTREAM_API_KEY", "UPSTREAM_MODELS", "UPSTREAM_TIMEOUT_MS"]) delete process.env[k];
  await up?.close();
});

const model = (id: string) => getCatalog().get(id) as TextModel;
const cost = (id: string, input: number, output: number) => {
  const m = model(id);
  return ceilDiv(BigInt(input) * m.pricing.inputMicroUsdPerMTokens + BigInt(output) * m.pricing.outputMicroUsdPerMTokens, 1_000_000n);
};
const messages = [{ role: "user" as const, content: "Tell me about foxes." }];
const ourInput = countChatTokens(messages);

async function eventsOf(accountId: string) {
  return app.db.select().from(usageEvents).where(eq(usageEvents.accountId, accountId));
}
async function expectSettled(accountId: string, charged: bigint) {
  expect(await readBalance(app.db, accountId)).toEqual({
    balanceMicroUsd: 10_000_000n - charged,
    reservedMicroUsd: 0n,
    availableMicroUsd: 10_000_000n - charged,
  });
  expect((await auditAccount(app.db, accountId)).ok).toBe(true);
}

describe(`OpenAI-compatible upstream provider (fake server on loopback, ${process.env.TEST_DB ?? "postgres"})`, () => {
  it("plain completion: upstream usage is billed, the body is ours, the upstream gets its model id and the client's body as sent (no cap added), and its key", async () => {
    const a = await makeAccountWithKey(app.db);
    const res = await sdkClient(a.secret).chat.completions.create({ model: "fake/usage", messages, temperature: 0.3, max_cost: 1 } as any);
    expect(res.choices[0].message.content).toBe(FAKE_TEXT);
    expect(res.model).toBe("fake/usage");
    expect(res.id).toMatch(/^chatcmpl-/);
    expect(res.usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 10, cost_micro_usd: 21 * 2 + 10 * 8 });
    const sent = up.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.authorization).toBe("Bearer up-secret");
    expect(sent.body).toEqual({ model: "fake-usage", messages, temperature: 0.3 });
    await expectSettled(a.accountId, 122n);
  });

  it("plain completion without upstream usage: counted with the tokenizer", async () => {
    const a = await makeAccountWithKey(app.db);
    const res = await sdkClient(a.secret).chat.completions.create({ model: "fake/nousage", messages, max_tokens: 100 });
    const out = countTokens(FAKE_TEXT);
    expect(res.usage).toMatchObject({ prompt_tokens: ourInput, completion_tokens: out });
    expect((res.usage as any).cost_micro_usd).toBe(Number(cost("fake/nousage", ourInput, out)));
    expect(up.requests.at(-1)!.body.max_tokens).toBe(100);
    await expectSettled(a.accountId, cost("fake/nousage", ourInput, out));
  });

  it("completions endpoint through the upstream", async () => {
    const a = await makeAccountWithKey(app.db);
    const res = await sdkClient(a.secret).completions.create({ model: "fake-completion/usage", prompt: "foxes" });
    expect(res.choices[0].text).toBe(FAKE_TEXT);
    expect(up.requests.at(-1)!.path).toBe("/v1/completions");
    expect((res.usage as any).cost_micro_usd).toBe(21 * 1 + 10 * 3);
  });

  it("stream: passed through chunk by chunk; include_usage gives the upstream's usage with our cost last", async () => {
    const a = await makeAccountWithKey(app.db);
    const stream = await sdkClient(a.secret).chat.completions.create({ model: "fake/usage", messages, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    const contentChunks = chunks.filter((c) => c.choices[0]?.delta?.content);
    expect(contentChunks.map((c) => c.choices[0].delta.content)).toEqual(FAKE_PIECES);
    expect(chunks.every((c) => c.model === "fake/usage")).toBe(true);
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 10, cost_micro_usd: 122 });
    expect(up.requests.at(-1)!.body.stream_options).toEqual({ include_usage: true });
    await expectSettled(a.accountId, 122n);
  });

  it("keeps upstream connections alive: one after another, plain and streamed requests share one connection", async () => {
    const a = await makeAccountWithKey(app.db);
    const client = sdkClient(a.secret);
    await client.chat.completions.create({ model: "fake/usage", messages }); // a pooled connection exists
    const before = up.connections();
    for (let i = 0; i < 6; i++) {
      if (i % 2) await client.chat.completions.create({ model: "fake/usage", messages });
      else for await (const _ of await client.chat.completions.create({ model: "fake/usage", messages, stream: true })) void _;
    }
    expect(up.connections() - before).toBeLessThanOrEqual(1);
  });

  it("stream without upstream usage: counted from the delivered text", async () => {
    const a = await makeAccountWithKey(app.db);
    const stream = await sdkClient(a.secret).chat.completions.create({
      model: "fake/nousage",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: any;
    for await (const c of stream) if (c.usage) usage = c.usage;
    const out = countTokens(FAKE_TEXT);
    expect(usage).toMatchObject({ prompt_tokens: ourInput, completion_tokens: out, cost_micro_usd: Number(cost("fake/nousage", ourInput, out)) });
  });

  for (const [behaviour, delivered, code] of [
    ["break", 5, "upstream_error"],
    ["errstream", 3, "upstream_error"],
    ["stall", 2, "upstream_timeout"],
  ] as const) {
    it(`stream ${behaviour === "stall" ? "stalling" : "broken"} mid-way (${behaviour}): error event in the stream, only delivered tokens billed`, async () => {
      const a = await makeAccountWithKey(app.db);
      const stream = await sdkClient(a.secret).chat.completions.create({
        model: `fake/${behaviour}`,
        messages,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = "";
      const err = await (async () => {
        for await (const c of stream) text += c.choices[0]?.delta?.content ?? "";
      })().catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect(err.error?.code ?? err.code).toBe(code);
      expect(text).toBe(FAKE_PIECES.slice(0, delivered).join(""));
      const out = countTokens(text);
      const [ev] = await eventsOf(a.accountId);
      expect(ev).toMatchObject({ status: "upstream_error", outputTokens: out, inputTokens: ourInput, aborted: false });
      await expectSettled(a.accountId, cost(`fake/${behaviour}`, ourInput, out));
    });
  }

  it("slow upstream: 504, reservation released, nothing charged, upstream request cancelled", async () => {
    const a = await makeAccountWithKey(app.db);
    const before = up.closedEarly();
    const client = sdkClient(a.secret);
    const err = await client.chat.completions.create({ model: "fake/slow", messages }).catch((e) => e);
    expect(err.status).toBe(504);
    expect(err.code).toBe("upstream_timeout");
    const streamErr = await client.chat.completions.create({ model: "fake/slow", messages, stream: true }).catch((e) => e);
    expect(streamErr.status).toBe(504);
    await expectSettled(a.accountId, 0n);
    const events = await eventsOf(a.accountId);
    expect(events.map((e) => [e.status, e.httpStatus, e.costMicroUsd])).toEqual([
      ["error", 504, 0n],
      ["error", 504, 0n],
    ]);
    await vi.waitFor(() => expect(up.closedEarly()).toBeGreaterThanOrEqual(before + 2));
  });

  it("upstream 500: 502 without the upstream's internals, released; upstream 400: 400 with its reason", async () => {
    const a = await makeAccountWithKey(app.db);
    const client = sdkClient(a.secret);
    const e500 = await client.chat.completions.create({ model: "fake/500", messages }).catch((e) => e);
    expect(e500.status).toBe(502);
    expect(e500.code).toBe("upstream_error");
    expect(e500.message).not.toContain("10.0.0.7");
    const e500s = await client.chat.completions.create({ model: "fake/500", messages, stream: true }).catch((e) => e);
    expect(e500s.status).toBe(502);
    const e400 = await client.chat.completions.create({ model: "fake/400", messages }).catch((e) => e);
    expect(e400.status).toBe(400);
    expect(e400.message).toContain("temperature must be <= 2");
    await expectSettled(a.accountId, 0n);
  });

  it("client abort before a plain answer: upstream cancelled, nothing charged, recorded as aborted (499), no breaker verdict", async () => {
    const a = await makeAccountWithKey(app.db);
    const before = up.closedEarly();
    const slowSeen = () => up.requests.filter((r) => r.body?.model === "fake-slow").length;
    const seen = slowSeen();
    const ac = new AbortController();
    const pending = sdkClient(a.secret)
      .chat.completions.create({ model: "fake/slow", messages }, { signal: ac.signal })
      .catch((e: Error) => e);
    await vi.waitFor(() => expect(slowSeen()).toBe(seen + 1));
    ac.abort();
    expect(await pending).toBeInstanceOf(Error);
    await vi.waitFor(async () => expect(await eventsOf(a.accountId)).toHaveLength(1));
    const [ev] = await eventsOf(a.accountId);
    expect(ev).toMatchObject({ status: "aborted", aborted: true, httpStatus: 499, errorCode: "client_closed_request", costMicroUsd: 0n });
    await expectSettled(a.accountId, 0n);
    await vi.waitFor(() => expect(up.closedEarly()).toBeGreaterThan(before));
    // The provider was not blamed: the next request is served.
    const ok = await sdkClient(a.secret).chat.completions.create({ model: "fake/usage", messages });
    expect(ok.choices[0].message.content).toBe(FAKE_TEXT);
  });

  it("client abort mid-stream (in-process): upstream cancelled, delivered tokens billed, usage event aborted", async () => {
    const a = await makeAccountWithKey(app.db);
    const before = up.closedEarly();
    const stream = await sdkClient(a.secret).chat.completions.create({ model: "fake/stall", messages, stream: true });
    let text = "";
    for await (const c of stream) {
      text += c.choices[0]?.delta?.content ?? "";
      if (text === FAKE_PIECES.slice(0, 2).join("")) break; // leaves the loop: the SDK aborts the request
    }
    await vi.waitFor(async () => expect(await eventsOf(a.accountId)).toHaveLength(1));
    const [ev] = await eventsOf(a.accountId);
    expect(ev).toMatchObject({ status: "aborted", aborted: true, outputTokens: countTokens(text) });
    await expectSettled(a.accountId, cost("fake/stall", ourInput, countTokens(text)));
    await vi.waitFor(() => expect(up.closedEarly()).toBeGreaterThan(before));
  });
});
