// @module-tag pglite
import { beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import OpenAI from "openai";
import { countTokens } from "gpt-tokenizer";
import { apiKeys, ledgerEntries, usageEvents } from "@/db/schema";
import { revokeApiKey } from "@/lib/api-keys";
import { flushLastUsed, invalidateKeyCache } from "@/lib/api";
import { getCatalog, type TextModel } from "@/lib/catalog";
import { auditAccount, grant, postEntry, readBalance } from "@/lib/ledger";
import { ceilDiv } from "@/lib/money";
import { setKeySpendLimit } from "@/lib/api-keys/spend-limit";
import { newId } from "@/lib/ids";
import { appFetch, sdkClient } from "@/tests/helpers/app-fetch";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { integrationApp } from "@/tests/helpers/fixture";

process.env.LOCAL_SIM_CHUNK_DELAY_MS = "0";

const app = integrationApp({ maxConnections: 40 });

const echo = () => getCatalog().get("local/echo-chat") as TextModel;
const lorem = () => getCatalog().get("local/lorem-chat") as TextModel;
const textCost = (m: TextModel, input: number, output: number) =>
  ceilDiv(BigInt(input) * m.pricing.inputMicroUsdPerMTokens + BigInt(output) * m.pricing.outputMicroUsdPerMTokens, 1_000_000n);
// OpenAI's chat accounting: 3 per message + role + content, 3 to prime the reply. "user" is one token.
const chatInput = (content: string) => 3 + 3 + 1 + countTokens(content);

async function raw(path: string, init: RequestInit & { key?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.key) headers.set("authorization", `Bearer ${init.key}`);
  const res = await appFetch(`http://app.test${path}`, { ...init, headers });
  const text = await res.text();
  return { res, status: res.status, body: text ? JSON.parse(text) : null };
}

async function usageFor(accountId: string) {
  return app.db.select().from(usageEvents).where(eq(usageEvents.accountId, accountId));
}

describe(`/v1 text endpoints on ${process.env.TEST_DB ?? "postgres"}`, () => {
  it("chat completion: exact cost from catalog prices, charged once, usage event and ledger carry the request id", async () => {
    const a = await makeAccountWithKey(app.db);
    const client = sdkClient(a.secret);
    const content = "Hello there, how much does this cost?";
    const { data, response } = await client.chat.completions.create({ model: "local/echo-chat", messages: [{ role: "user", content }] }).withResponse();
    const requestId = response.headers.get("x-request-id")!;
    expect(requestId).toMatch(/^req_/);
    expect(data.choices[0].message.content).toBe(content);
    expect(data.choices[0].finish_reason).toBe("stop");
    const input = chatInput(content);
    const output = countTokens(content);
    expect(data.usage).toMatchObject({ prompt_tokens: input, completion_tokens: output, total_tokens: input + output });
    const expected = textCost(echo(), input, output);
    const usage = data.usage as unknown as { cost: number; cost_micro_usd: number };
    expect(usage.cost_micro_usd).toBe(Number(expected));
    expect(usage.cost).toBe(Number(expected) / 1e6);

    const b = await readBalance(app.db, a.accountId);
    expect(b).toEqual({ balanceMicroUsd: 10_000_000n - expected, reservedMicroUsd: 0n, availableMicroUsd: 10_000_000n - expected });
    const [ev] = await usageFor(a.accountId);
    expect(ev).toMatchObject({
      requestId,
      keyId: a.keyId,
      model: "local/echo-chat",
      modality: "chat",
      inputTokens: input,
      outputTokens: output,
      status: "ok",
      httpStatus: 200,
      aborted: false,
      costMicroUsd: expected,
    });
    const [entry] = await app.db.select().from(ledgerEntries).where(eq(ledgerEntries.reference, requestId));
    expect(entry).toMatchObject({ kind: "usage", amountMicroUsd: -expected, requestId });
    expect((await auditAccount(app.db, a.accountId)).ok).toBe(true);
  });

  it("max_tokens cuts the output and caps the charge", async () => {
    const a = await makeAccountWithKey(app.db);
    const res = await sdkClient(a.secret).chat.completions.create({
      model: "local/lorem-chat",
      messages: [{ role: "user", content: "write" }],
      max_tokens: 37,
    });
    expect(res.usage?.completion_tokens).toBe(37);
    expect(res.choices[0].finish_reason).toBe("length");
    expect((res.usage as any).cost_micro_usd).toBe(Number(textCost(lorem(), chatInput("write"), 37)));
  });

  it("streams with include_usage: the last chunk before [DONE] carries usage and cost", async () => {
    const a = await makeAccountWithKey(app.db);
    const content = "stream me back, token by token";
    const stream = await sdkClient(a.secret).chat.completions.create({
      model: "local/echo-chat",
      messages: [{ role: "user", content }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
    expect(text).toBe(content);
    expect(chunks.length).toBeGreaterThan(countTokens(content));
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    const expected = textCost(echo(), chatInput(content), countTokens(content));
    expect(last.usage).toMatchObject({ prompt_tokens: chatInput(content), completion_tokens: countTokens(content) });
    expect((last.usage as any).cost_micro_usd).toBe(Number(expected));
    expect(chunks.slice(0, -1).every((c) => !c.usage)).toBe(true);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(10_000_000n - expected);
  });

  it("streams without include_usage: no usage chunk, still billed", async () => {
    const a = await makeAccountWithKey(app.db);
    const stream = await sdkClient(a.secret).chat.completions.create({ model: "local/echo-chat", messages: [{ role: "user", content: "hi" }], stream: true });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.every((c) => !c.usage)).toBe(true);
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe("stop");
    expect((await readBalance(app.db, a.accountId)).balanceMicroUsd).toBe(10_000_000n - textCost(echo(), chatInput("hi"), countTokens("hi")));
  });

  it("completions, plain and streamed", async () => {
    const a = await makeAccountWithKey(app.db);
    const client = sdkClient(a.secret);
    const prompt = "Once upon a time";
    const res = await client.completions.create({ model: "local/echo-completion", prompt, max_tokens: 50 });
    expect(res.choices[0].text).toBe(prompt);
    const m = getCatalog().get("local/echo-completion") as TextModel;
    const n = countTokens(prompt);
    expect(res.usage).toMatchObject({ prompt_tokens: n, completion_tokens: n });
    expect((res.usage as any).cost_micro_usd).toBe(Number(textCost(m, n, n)));
    const stream = await client.completions.create({ model: "local/echo-completion", prompt, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage: any;
    for await (const c of stream) {
      text += c.choices[0]?.text ?? "";
      if (c.usage) usage = c.usage;
    }
    expect(text).toBe(prompt);
    expect(usage.cost_micro_usd).toBe(Number(textCost(m, n, n)));
  });

  it("lists models with modality and prices, and answers /v1/credits", async () => {
    const a = await makeAccountWithKey(app.db);
    const client = sdkClient(a.secret);
    const models = [];
    for await (const m of client.models.list()) models.push(m as any);
    const ids = models.map((m) => m.id);
    for (const id of ["local/echo-chat", "local/lorem-chat", "local/echo-completion", "local/image-sim", "local/tts-sim", "local/stt-sim", "local/video-sim"]) {
      expect(ids).toContain(id);
    }
    const echoModel = models.find((m) => m.id === "local/echo-chat");
    expect(echoModel).toMatchObject({
      modality: "chat",
      simulator: true,
      pricing: { "1m_input_tokens": { micro_usd: 100_000, usd: 0.1 }, "1m_output_tokens": { micro_usd: 400_000, usd: 0.4 } },
    });

    const credits = (await client.get("/credits")) as any;
    expect(credits).toMatchObject({ balance_micro_usd: 10_000_000, balance: 10, available_micro_usd: 10_000_000, key: { id: a.keyId, spend_limit: null } });
    expect(credits.billing_url).toBe("http://app.test/dashboard/billing");
  });

  it("401 in the OpenAI shape for a missing, unknown or revoked key, with x-request-id", async () => {
    const missing = await raw("/v1/models");
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatchObject({ type: "authentication_error", code: "invalid_api_key", param: null });
    expect(missing.res.headers.get("x-request-id")).toMatch(/^req_/);
    const unknown = await raw("/v1/models", { key: "sk-mt-" + "x".repeat(40) });
    expect(unknown.status).toBe(401);
    const a = await makeAccountWithKey(app.db);
    expect((await raw("/v1/models", { key: a.secret })).status).toBe(200);
    await revokeApiKey(app.db, { accountId: a.accountId, keyId: a.keyId });
    invalidateKeyCache(); // another instance would see it within KEY_CACHE_TTL_MS
    const revoked = await raw("/v1/models", { key: a.secret });
    expect(revoked.status).toBe(401);
    await expect(sdkClient(a.secret).models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  describe("bad input: the right 4xx, a clear message, nothing charged", () => {
    let a: Awaited<ReturnType<typeof makeAccountWithKey>>;
    beforeAll(async () => {
      a = await makeAccountWithKey(app.db);
    });
    const post = (body: string, headers: Record<string, string> = { "content-type": "application/json" }, path = "/v1/chat/completions") =>
      raw(path, { method: "POST", key: a.secret, body, headers });
    const cases: [string, () => ReturnType<typeof post>, number, string | null, RegExp][] = [
      ["malformed JSON", () => post('{"model": '), 400, null, /parse the JSON/],
      ["a JSON array", () => post("[]"), 400, null, /JSON object/],
      ["empty body", () => post(""), 400, null, /empty/],
      ["missing model", () => post(JSON.stringify({ messages: [{ role: "user", content: "x" }] })), 400, "model", /Missing required parameter: 'model'/],
      ["messages not an array", () => post(JSON.stringify({ model: "local/echo-chat", messages: "hi" })), 400, "messages", /messages/],
      ["bad role", () => post(JSON.stringify({ model: "local/echo-chat", messages: [{ role: "robot", content: "x" }] })), 400, "messages[0].role", /role/],
      [
        "image part",
        () => post(JSON.stringify({ model: "local/echo-chat", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] }] })),
        400,
        "messages[0].content[0]",
        /image_url/,
      ],
      [
        "max_tokens not an integer",
        () => post(JSON.stringify({ model: "local/echo-chat", messages: [{ role: "user", content: "x" }], max_tokens: 1.5 })),
        400,
        "max_tokens",
        /integer/,
      ],
      [
        "max_tokens above the model's max",
        () => post(JSON.stringify({ model: "local/echo-chat", messages: [{ role: "user", content: "x" }], max_tokens: 1_000_000 })),
        400,
        "max_tokens",
        /at most 4096/,
      ],
      ["n > 1", () => post(JSON.stringify({ model: "local/echo-chat", messages: [{ role: "user", content: "x" }], n: 3 })), 400, "n", /only 1/],
      [
        "bad max_cost",
        () => post(JSON.stringify({ model: "local/echo-chat", messages: [{ role: "user", content: "x" }], max_cost: -1 })),
        400,
        "max_cost",
        /max_cost/,
      ],
      ["unknown model", () => post(JSON.stringify({ model: "nope/nothing", messages: [{ role: "user", content: "x" }] })), 404, "model", /does not exist/],
      [
        "chat model on /v1/completions",
        () => post(JSON.stringify({ model: "local/echo-chat", prompt: "x" }), undefined, "/v1/completions"),
        400,
        "model",
        /use \/v1\/chat\/completions/,
      ],
      ["form-encoded body", () => post("model=local/echo-chat", { "content-type": "application/x-www-form-urlencoded" }), 415, null, /application\/json/],
      ["no content type", () => post(JSON.stringify({ model: "local/echo-chat" }), {}), 415, null, /Content-Type/],
      [
        "3 MB body",
        () => post(JSON.stringify({ model: "local/echo-chat", messages: [{ role: "user", content: "a".repeat(3 * 1024 * 1024) }] })),
        413,
        null,
        /too large/,
      ],
      [
        "prompt beyond the context window",
        () => post(JSON.stringify({ model: "local/echo-chat", messages: [{ role: "user", content: "word ".repeat(20_000) }] })),
        400,
        "messages",
        /context length/,
      ],
    ];
    for (const [name, send, status, param, message] of cases) {
      it(name, async () => {
        const r = await send();
        expect(r.status, JSON.stringify(r.body)).toBe(status);
        expect(r.body.error.param).toBe(param);
        expect(r.body.error.message).toMatch(message);
        expect(Object.keys(r.body.error).sort()).toEqual(["code", "message", "param", "type"]);
        expect(r.res.headers.get("x-request-id")).toMatch(/^req_/);
      });
    }
    it("charged nothing and left no reservation", async () => {
      expect(await readBalance(app.db, a.accountId)).toEqual({ balanceMicroUsd: 10_000_000n, reservedMicroUsd: 0n, availableMicroUsd: 10_000_000n });
      expect(await usageFor(a.accountId)).toHaveLength(0);
    });
  });

  it("402 once credit is spent, saying balance, cost, affordable max_tokens and the billing URL; works again after a grant", async () => {
    const a = await makeAccountWithKey(app.db);
    // Leave $0.000500 of the $10 signup credit.
    await postEntry(app.db, { accountId: a.accountId, kind: "adjustment", amountMicroUsd: -9_999_500n, reference: newId("evt"), description: "test drain" });
    const client = sdkClient(a.secret);
    const messages = [{ role: "user" as const, content: "write" }];
    const err = await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 1000 }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(402);
    expect(err.code).toBe("insufficient_quota");
    expect(err.type).toBe("insufficient_quota");
    // $0.0005 affords (500·1e6 − in·500000) / 1500000 output tokens on lorem-chat.
    const affordable = Math.floor((500 * 1e6 - chatInput("write") * 500_000) / 1_500_000);
    const worst = textCost(lorem(), chatInput("write"), 1000);
    expect(err.message).toContain("$0.0005");
    expect(err.message).toContain(`$0.${worst.toString().padStart(6, "0")}`.replace(/0+$/, ""));
    expect(err.message).toContain(`max_tokens=${affordable}`);
    expect(err.message).toContain("http://app.test/dashboard/billing");

    const ok = await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: affordable });
    expect(ok.usage?.completion_tokens).toBe(affordable);
    const again = await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 100 }).catch((e) => e);
    expect(again.status).toBe(402);

    await grant(app.db, { accountId: a.accountId, amountMicroUsd: 5_000_000n, reference: newId("evt"), description: "top-up" });
    const after = await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 1000 });
    expect(after.usage?.completion_tokens).toBe(1000);
    expect((after.usage as any).cost_micro_usd).toBe(Number(worst));
    expect((await auditAccount(app.db, a.accountId)).ok).toBe(true);
  });

  it("max_cost (body or x-max-cost header): 402 before work when the worst case exceeds it, else the charge stays within it", async () => {
    const a = await makeAccountWithKey(app.db);
    const client = sdkClient(a.secret);
    const messages = [{ role: "user" as const, content: "write" }];
    const worst = textCost(lorem(), chatInput("write"), 1000); // 1.5e-3 + tiny
    const err = await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 1000, max_cost: 0.001 } as any).catch((e) => e);
    expect(err.status).toBe(402);
    expect(err.code).toBe("max_cost_exceeded");
    expect(err.message).toMatch(/max_tokens to at most \d+/);
    const viaHeader = await client.chat.completions
      .create({ model: "local/lorem-chat", messages, max_tokens: 1000 }, { headers: { "x-max-cost": "0.001" } })
      .catch((e) => e);
    expect(viaHeader.code).toBe("max_cost_exceeded");
    const ok = await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 1000, max_cost: Number(worst) / 1e6 } as any);
    expect((ok.usage as any).cost_micro_usd).toBeLessThanOrEqual(Number(worst));
    expect(await usageFor(a.accountId)).toHaveLength(1);
  });

  it("per-key spend limit: 402 key_spend_limit_exceeded, distinct from the account, scoped by account", async () => {
    const a = await makeAccountWithKey(app.db);
    const other = await makeAccountWithKey(app.db);
    expect(await setKeySpendLimit(app.db, { accountId: other.accountId, keyId: a.keyId, limitMicroUsd: 1n, period: "daily" })).toBe(false);
    const messages = [{ role: "user" as const, content: "write" }];
    const one = textCost(lorem(), chatInput("write"), 100);
    // Room for exactly two such requests today.
    expect(await setKeySpendLimit(app.db, { accountId: a.accountId, keyId: a.keyId, limitMicroUsd: one * 2n, period: "daily" })).toBe(true);
    const client = sdkClient(a.secret);
    await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 100 });
    await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 100 });
    const err = await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 100 }).catch((e) => e);
    expect(err.status).toBe(402);
    expect(err.code).toBe("key_spend_limit_exceeded");
    expect(err.message).toMatch(/daily spend limit/);
    const credits = (await client.get("/credits")) as any;
    expect(credits.key.spend_limit).toMatchObject({ period: "daily", limit_micro_usd: Number(one * 2n), spent_micro_usd: Number(one * 2n) });
    await setKeySpendLimit(app.db, { accountId: a.accountId, keyId: a.keyId, limitMicroUsd: null, period: null });
    await client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 100 });
  });

  it("per-key spend limit holds under 40 concurrent requests (row lock)", async () => {
    const a = await makeAccountWithKey(app.db);
    const messages = [{ role: "user" as const, content: "write" }];
    const one = textCost(lorem(), chatInput("write"), 10);
    await setKeySpendLimit(app.db, { accountId: a.accountId, keyId: a.keyId, limitMicroUsd: one * 7n, period: "total" });
    const client = sdkClient(a.secret);
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, () => client.chat.completions.create({ model: "local/lorem-chat", messages, max_tokens: 10 })),
    );
    const ok = results.filter((r) => r.status === "fulfilled").length;
    for (const r of results) if (r.status === "rejected") expect((r.reason as any).code).toBe("key_spend_limit_exceeded");
    if (app.t.kind === "postgres") expect(ok).toBe(7);
    const events = await usageFor(a.accountId);
    expect(events.reduce((s, e) => s + e.costMicroUsd, 0n)).toBeLessThanOrEqual(one * 7n);
  });

  it("keeps last_used_at with one coalesced write", async () => {
    const a = await makeAccountWithKey(app.db);
    const client = sdkClient(a.secret);
    for (let i = 0; i < 5; i++) await client.models.list();
    await flushLastUsed();
    const [k] = await app.db.select({ lastUsedAt: apiKeys.lastUsedAt }).from(apiKeys).where(eq(apiKeys.id, a.keyId));
    expect(k.lastUsedAt).toBeInstanceOf(Date);
  });
});
