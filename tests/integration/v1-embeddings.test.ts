import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { rows } from "@/db/rows";
import { countTokens, encode } from "gpt-tokenizer";
import { usageEvents } from "@/db/schema";
import { ceilDiv } from "@/lib/money";
import { sdkClient } from "@/tests/helpers/app-fetch";
import { mediaAccount, moneyState, rawCall } from "@/tests/helpers/media";
import { integrationApp } from "@/tests/helpers/fixture";

// POST /v1/embeddings with the official SDK (which asks for base64 and decodes it), the
// local simulator's vectors, exact per-token billing, limits, and an upstream model passed
// through. Also GET /v1/models/{id} with the SDK's encoded ids.

const app = integrationApp();
let server: http.Server;
const sent: Record<string, any>[] = [];
const PRICE = 20_000n; // local/embed-sim, micro-USD per 1M input tokens
const UP_PRICE = 1_300_000n;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const body = JSON.parse(raw);
      sent.push(body);
      const inputs = Array.isArray(body.input) ? body.input : [body.input];
      const vec = new Float32Array([0.6, 0.8]);
      const embedding = body.encoding_format === "base64" ? Buffer.from(vec.buffer).toString("base64") : Array.from(vec);
      const data = inputs.map((_: unknown, index: number) => ({ object: "embedding", index, embedding }));
      // Reports 1 token per input (7 for user "counts-more"): not our tokenizer's count, so the
      // test can tell whose count was billed.
      const tokens = inputs.length * (body.user === "counts-more" ? 7 : 1);
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ object: "list", data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  process.env.UPSTREAM_BASE_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  process.env.UPSTREAM_MODELS = JSON.stringify([
    { id: "up/embed", modality: "embedding", upstreamModel: "text-embedding-3-small", pricing: { inputMicroUsdPerMTokens: Number(UP_PRICE) } },
  ]);
});
afterAll(async () => {
  for (const k of ["UPSTREAM_BASE_URL", "UPSTREAM_MODELS"]) delete process.env[k];
  await new Promise((r) => server.close(r));
});

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const norm = (a: number[]) => Math.sqrt(cosine(a, a));

describe(`POST /v1/embeddings (${process.env.TEST_DB ?? "postgres"})`, () => {
  it("the SDK's default (base64, decoded by the SDK) equals encoding_format float; unit vectors; billed per real token", async () => {
    const a = await mediaAccount(app.db);
    const client = sdkClient(a.secret);
    const text = "The ledger settles every request exactly once.";
    const viaBase64 = await client.embeddings.create({ model: "local/embed-sim", input: text });
    const viaFloat = await client.embeddings.create({ model: "local/embed-sim", input: text, encoding_format: "float" });
    const v = viaBase64.data[0].embedding;
    expect(v.length).toBe(1536);
    expect(v).toEqual(viaFloat.data[0].embedding);
    expect(norm(v)).toBeCloseTo(1, 5);
    expect(viaBase64).toMatchObject({ object: "list", model: "local/embed-sim", data: [{ object: "embedding", index: 0 }] });

    const tokens = countTokens(text);
    const cost = ceilDiv(BigInt(tokens) * PRICE, 1_000_000n);
    expect(viaFloat.usage).toEqual({
      prompt_tokens: tokens,
      total_tokens: tokens,
      cost: Number(cost) / 1e6,
      cost_micro_usd: Number(cost),
      cost_source: "provider",
    });
    const m = await moneyState(app.db, a.accountId);
    expect([m.balanceMicroUsd, m.reservedMicroUsd, m.auditOk]).toEqual([10_000_000n - 2n * cost, 0n, true]);
    const events = await app.db.select().from(usageEvents).where(eq(usageEvents.accountId, a.accountId));
    expect(events.map((e) => [e.modality, e.inputTokens, e.outputTokens, e.costMicroUsd])).toEqual([
      ["embedding", tokens, 0, cost],
      ["embedding", tokens, 0, cost],
    ]);
  });

  it("batches, token-id inputs and dimensions: deterministic, similar texts closer than unrelated ones", async () => {
    const a = await mediaAccount(app.db);
    const client = sdkClient(a.secret);
    const texts = ["a red fox jumps over the fence", "a red fox jumps over the wall", "quarterly tax filing deadline"];
    const res = await client.embeddings.create({ model: "local/embed-sim", input: texts, dimensions: 256 });
    expect(res.data.map((d) => [d.index, d.embedding.length])).toEqual([
      [0, 256],
      [1, 256],
      [2, 256],
    ]);
    const [fox1, fox2, tax] = res.data.map((d) => d.embedding);
    expect(cosine(fox1, fox2)).toBeGreaterThan(cosine(fox1, tax) + 0.3);
    expect(res.usage.prompt_tokens).toBe(texts.reduce((n, s) => n + countTokens(s), 0));
    // The same text as token ids gives the same vector.
    const asTokens = await client.embeddings.create({ model: "local/embed-sim", input: [encode(texts[0])], dimensions: 256 });
    expect(asTokens.data[0].embedding).toEqual(fox1);
    expect(asTokens.usage.prompt_tokens).toBe(countTokens(texts[0]));
  });

  it("bad input is a 400 naming the parameter, wrong models are refused, and nothing is charged", async () => {
    const a = await mediaAccount(app.db);
    const cases: [Record<string, unknown>, number, string | null][] = [
      [{ input: "" }, 400, "input"],
      [{ input: [] }, 400, "input"],
      [{ input: ["ok", ""] }, 400, "input[1]"],
      [{ input: [1, -2] }, 400, "input[1]"],
      [{ input: "x ".repeat(9000) }, 400, "input"],
      [{ input: Array(2049).fill("x") }, 400, "input"],
      [{ input: "hi", dimensions: 4096 }, 400, "dimensions"],
      [{ input: "hi", dimensions: 0 }, 400, "dimensions"],
      [{ input: "hi", encoding_format: "int8" }, 400, "encoding_format"],
      [{ input: "hi", model: "local/echo-chat" }, 400, "model"],
      [{ input: "hi", model: "nope/embed" }, 404, "model"],
      [{ input: "hi", max_cost: 0.0000001 }, 400, "max_cost"],
    ];
    for (const [patch, status, param] of cases) {
      const r = await rawCall("/v1/embeddings", {
        method: "POST",
        key: a.secret,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "local/embed-sim", ...patch }),
      });
      expect([r.status, r.body?.error?.param], JSON.stringify(patch).slice(0, 80)).toEqual([status, param]);
    }
    const m = await moneyState(app.db, a.accountId);
    expect([m.balanceMicroUsd, m.reservedMicroUsd, m.usage.length]).toEqual([10_000_000n, 0n, 0]);
  });

  it("402 when the input's cost is above the balance", async () => {
    const a = await mediaAccount(app.db, { availableMicroUsd: 0n });
    const r = await rawCall("/v1/embeddings", {
      method: "POST",
      key: a.secret,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "local/embed-sim", input: "hello" }),
    });
    expect([r.status, r.body.error.type]).toEqual([402, "insufficient_quota"]);
  });

  it("upstream model: the client's body is forwarded with the model id mapped; billed on the upstream's count", async () => {
    const a = await mediaAccount(app.db);
    const input = ["one two three", "four five six"]; // 6 tokens by our count, 2 by the upstream's
    const res = await sdkClient(a.secret).embeddings.create({ model: "up/embed", input, dimensions: 2, user: "u-1" });
    expect(res.data.map((d) => d.embedding.map((x) => Math.round(x * 10) / 10))).toEqual([
      [0.6, 0.8],
      [0.6, 0.8],
    ]);
    expect(sent.at(-1)).toEqual({ model: "text-embedding-3-small", input, dimensions: 2, user: "u-1", encoding_format: "base64" });
    const cost = ceilDiv(2n * UP_PRICE, 1_000_000n);
    expect(cost).toBeLessThan(ceilDiv(6n * UP_PRICE, 1_000_000n));
    expect(res.usage).toEqual({ prompt_tokens: 2, total_tokens: 2, cost: Number(cost) / 1e6, cost_micro_usd: Number(cost), cost_source: "provider" });
  });

  it("upstream model counting more tokens than we do: its count is billed in full, not capped at ours", async () => {
    const a = await mediaAccount(app.db);
    const input = ["one two three", "four five six"]; // 6 tokens by our count, 14 by the upstream's
    const res = await sdkClient(a.secret).embeddings.create({ model: "up/embed", input, user: "counts-more" });
    const cost = ceilDiv(14n * UP_PRICE, 1_000_000n);
    expect(res.usage).toEqual({ prompt_tokens: 14, total_tokens: 14, cost: Number(cost) / 1e6, cost_micro_usd: Number(cost), cost_source: "provider" });
    const [ledger] = await rows<{ s: string }>(
      app.db,
      sql`select (-sum(amount_micro_usd))::text as s from ledger_entries where account_id = ${a.accountId} and kind = 'usage'`,
    );
    expect(BigInt(ledger.s)).toBe(cost);
  });
});

describe("GET /v1/models/{id}", () => {
  it("retrieves ids containing / as the SDK encodes them, and unencoded; same fields as the list; 404 model_not_found", async () => {
    const a = await mediaAccount(app.db);
    const client = sdkClient(a.secret);
    const listed = (await client.models.list()).data;
    for (const m of listed) expect(await client.models.retrieve(m.id)).toEqual(m);
    const plain = await rawCall("/v1/models/local/embed-sim", { key: a.secret });
    expect(plain.body).toMatchObject({ id: "local/embed-sim", object: "model", modality: "embedding", pricing: { "1m_input_tokens": { micro_usd: 20_000 } } });
    const missing = await client.models.retrieve("local/nope").catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, code: "model_not_found", param: "model" });
    const wrongMethod = await rawCall("/v1/models/local%2Fecho-chat", { method: "DELETE", key: a.secret });
    expect([wrongMethod.status, wrongMethod.res.headers.get("allow")]).toEqual([405, "GET"]);
  });
});
