import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countTokens } from "gpt-tokenizer";
import { getCatalog } from "@/lib/catalog";
import { ceilDiv } from "@/lib/money";
import { countChatTokens } from "@/lib/providers/text/tokens";
import { textInputHold } from "@/lib/providers/text/prompt-bound";
import type { TextModel } from "@/lib/catalog";
import { appFetch } from "@/tests/helpers/app-fetch";
import { makeAccountWithKey } from "@/tests/helpers/api-keys";
import { moneyState } from "@/tests/helpers/money-checks";
import { integrationApp } from "@/tests/helpers/fixture";

// Issue 8, point 2a, beyond tests/integration/v1-upstream.test.ts (which covers HTTP
// 500/400, a silent upstream (504), a stream that breaks, stalls or sends an error event):
// an upstream on a closed port, and upstreams that answer 200 with garbage: not JSON,
// truncated JSON, the wrong shape, nonsense usage numbers, SSE events that are not JSON,
// a stream that ends cleanly without [DONE], an image upstream with a wrong body. Each
// time: an OpenAI-shaped 502 (or an error event inside a stream that had started), the
// reservation released, and only delivered tokens charged, to the micro-USD.

const TEXT = "The quick brown fox";
const PIECES = ["The", " quick", " brown", " fox"];

const app = integrationApp();
let garbage: http.Server;
let baseUrl: string;

function garbageServer() {
  return http.createServer(async (req, res) => {
    let raw = "";
    for await (const c of req) raw += c;
    let body: any = {};
    try {
      body = JSON.parse(raw);
    } catch {}
    const model: string = body.model ?? "";
    const ok = (o: unknown) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(o));
    const choice = { index: 0, message: { role: "assistant", content: TEXT }, finish_reason: "stop" };
    const chunk = (text: string) =>
      `data: ${JSON.stringify({ id: "u", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`;
    switch (model) {
      case "g-html":
        return res.writeHead(200, { "content-type": "text/html" }).end("<html><body>502 Bad Gateway (nginx)</body></html>");
      case "g-truncated":
        return res.writeHead(200, { "content-type": "application/json" }).end('{"id":"u","object":"chat.completion","choices":[{"index":0,"mess');
      case "g-empty":
        return res.writeHead(200, { "content-type": "application/json" }).end("");
      case "g-noshape":
        return ok({ hello: "world" });
      case "g-choices-object":
        return ok({ id: "u", choices: { 0: choice } });
      case "g-null":
        return ok(null);
      case "g-bad-usage":
        // Negative and fractional counts are not usage: our own count must be billed instead.
        return ok({ id: "u", object: "chat.completion", choices: [choice], usage: { prompt_tokens: -7, completion_tokens: 2.5 } });
      case "g-huge-usage":
        return ok({ id: "u", object: "chat.completion", choices: [choice], usage: { prompt_tokens: 5, completion_tokens: 10 ** 12 } });
      case "g-sse-nonjson":
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write(chunk(PIECES[0]) + chunk(PIECES[1]));
        return res.end("data: {this is not json\n\n");
      case "g-sse-no-done":
        res.writeHead(200, { "content-type": "text/event-stream" });
        return res.end(chunk(PIECES[0]) + chunk(PIECES[1]) + chunk(PIECES[2]));
      case "g-sse-first-garbage":
        res.writeHead(200, { "content-type": "text/event-stream" });
        return res.end("data: <html>\n\n");
      case "g-sse-html":
        return res.writeHead(200, { "content-type": "text/html" }).end("<html>not a stream</html>");
      case "g-img-shape":
        return ok({ created: 1, data: "not an array" });
      case "g-img-html":
        return res.writeHead(200, { "content-type": "text/html" }).end("<html>");
      default:
        return res.writeHead(404).end();
    }
  });
}

const chatModels = [
  "html",
  "truncated",
  "empty",
  "noshape",
  "choices-object",
  "null",
  "bad-usage",
  "huge-usage",
  "sse-nonjson",
  "sse-no-done",
  "sse-first-garbage",
  "sse-html",
];
const upstreamModels = JSON.stringify([
  ...chatModels.map((b) => ({
    id: `g/${b}`,
    modality: "chat",
    upstreamModel: `g-${b}`,
    pricing: { inputMicroUsdPerMTokens: 2_000_000, outputMicroUsdPerMTokens: 8_000_000 },
    limits: { contextTokens: 8192, maxOutputTokens: 2048, defaultMaxTokens: 100 },
  })),
  ...["img-shape", "img-html"].map((b) => ({ id: `g/${b}`, modality: "image", upstreamModel: `g-${b}`, pricing: { microUsdPerImage: 40_000 } })),
]);

beforeAll(async () => {
  garbage = garbageServer();
  await new Promise<void>((r) => garbage.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}/v1`;
  process.env.UPSTREAM_BASE_URL = baseUrl;
  process.env.UPSTREAM_MODELS = upstreamModels;
  process.env.UPSTREAM_TIMEOUT_MS = "3000";
});
afterAll(async () => {
  for (const k of ["UPSTREAM_BASE_URL", "UPSTREAM_MODELS", "UPSTREAM_TIMEOUT_MS"]) delete process.env[k];
  garbage.closeAllConnections();
  await new Promise((r) => garbage.close(r));
});

const messages = [{ role: "user", content: "Tell me about foxes." }];
const inputTokens = countChatTokens(messages as never);
const cost = (input: number, output: number) => ceilDiv(BigInt(input) * 2_000_000n + BigInt(output) * 8_000_000n, 1_000_000n);

async function call(secret: string, path: string, body: Record<string, unknown>) {
  const res = await appFetch(`http://app.test${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, requestId: res.headers.get("x-request-id")!, text: await res.text(), contentType: res.headers.get("content-type") };
}

function expectOpenAiError(text: string, code: string) {
  const body = JSON.parse(text);
  expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
  expect(body.error).toMatchObject({ code, type: "upstream_error" });
  expect(body.error.message).not.toMatch(/nginx|<html|10\.0\./);
}

/** Delivered text of an SSE body, and its error event if any. */
function readStream(text: string) {
  let delivered = "";
  let error: any = null;
  for (const ev of text.split("\n\n")) {
    const data = ev.replace(/^data: /, "").trim();
    if (!data || data === "[DONE]") continue;
    const parsed = JSON.parse(data);
    if (parsed.error) error = parsed.error;
    else delivered += parsed.choices?.[0]?.delta?.content ?? "";
  }
  return { delivered, error };
}

async function settledTo(accountId: string, charged: bigint) {
  const m = await moneyState(app.db, accountId);
  expect(m.openReservations).toBe(0);
  expect(m.reservedMicroUsd).toBe(0n);
  expect(m.balanceMicroUsd).toBe(10_000_000n - charged);
  expect(m.sumUsageEntriesMicroUsd).toBe(-charged);
  expect(m.auditOk).toBe(true);
  return m;
}

describe(`upstream faults (${process.env.TEST_DB ?? "postgres"})`, () => {
  for (const b of ["html", "truncated", "empty", "noshape", "choices-object", "null"]) {
    it(`plain chat, upstream answers 200 with garbage (${b}): 502 upstream_error, reservation released, nothing charged`, async () => {
      const a = await makeAccountWithKey(app.db);
      const r = await call(a.secret, "/v1/chat/completions", { model: `g/${b}`, messages });
      expect(r.status).toBe(502);
      expect(r.requestId).toMatch(/^req_/);
      expectOpenAiError(r.text, "upstream_error");
      const m = await settledTo(a.accountId, 0n);
      expect(m.usageEvents.get(r.requestId)).toEqual([0n]); // the failure is on record, free
    });
  }

  it("nonsense usage from the upstream (negative, fractional) is ignored: our own count is billed, 200", async () => {
    const a = await makeAccountWithKey(app.db);
    const r = await call(a.secret, "/v1/chat/completions", { model: "g/bad-usage", messages });
    expect(r.status, r.text).toBe(200);
    const body = JSON.parse(r.text);
    const expected = cost(inputTokens, countTokens(TEXT));
    expect(body.usage).toMatchObject({ prompt_tokens: inputTokens, completion_tokens: countTokens(TEXT), cost_micro_usd: Number(expected) });
    await settledTo(a.accountId, expected);
  });

  it("an upstream claiming more output than max_tokens is never billed beyond the reservation (the worst case)", async () => {
    const a = await makeAccountWithKey(app.db);
    const r = await call(a.secret, "/v1/chat/completions", { model: "g/huge-usage", messages, max_tokens: 50 });
    expect(r.status, r.text).toBe(200);
    const hold = textInputHold(getCatalog().get("g/huge-usage") as TextModel, { model: "g/huge-usage", messages, max_tokens: 50 }, inputTokens, 0);
    const worst = cost(hold, 50);
    const m = await moneyState(app.db, a.accountId);
    expect(-m.sumUsageEntriesMicroUsd <= worst).toBe(true);
    expect(JSON.parse(r.text).usage.cost_micro_usd).toBe(Number(-m.sumUsageEntriesMicroUsd));
    await settledTo(a.accountId, -m.sumUsageEntriesMicroUsd);
  });

  for (const [b, delivered] of [
    ["sse-nonjson", 2],
    ["sse-no-done", 3],
  ] as const) {
    it(`stream with garbage after ${delivered} chunks (${b}): error event in the stream, the ${delivered} delivered chunks billed`, async () => {
      const a = await makeAccountWithKey(app.db);
      const r = await call(a.secret, "/v1/chat/completions", { model: `g/${b}`, messages, stream: true, stream_options: { include_usage: true } });
      expect(r.status).toBe(200);
      const s = readStream(r.text);
      expect(s.delivered).toBe(PIECES.slice(0, delivered).join(""));
      expect(s.error).toMatchObject({ code: "upstream_error", type: "upstream_error" });
      const m = await settledTo(a.accountId, cost(inputTokens, countTokens(s.delivered)));
      expect(m.usageEvents.get(r.requestId)).toEqual([cost(inputTokens, countTokens(s.delivered))]);
    });
  }

  for (const b of ["sse-first-garbage", "sse-html"]) {
    it(`stream that is garbage from the start (${b}): an error (event or 502), nothing delivered, nothing charged`, async () => {
      const a = await makeAccountWithKey(app.db);
      const r = await call(a.secret, "/v1/chat/completions", { model: `g/${b}`, messages, stream: true });
      if (r.status === 200) {
        const s = readStream(r.text);
        expect(s.delivered).toBe("");
        expect(s.error).toMatchObject({ code: "upstream_error" });
      } else {
        expect(r.status).toBe(502);
        expectOpenAiError(r.text, "upstream_error");
      }
      await settledTo(a.accountId, 0n);
    });
  }

  for (const b of ["img-shape", "img-html"]) {
    it(`image upstream answering garbage (${b}): 502, released, nothing charged`, async () => {
      const a = await makeAccountWithKey(app.db);
      const r = await call(a.secret, "/v1/images/generations", { model: `g/${b}`, prompt: "a fox" });
      expect(r.status, r.text).toBe(502);
      expectOpenAiError(r.text, "upstream_error");
      await settledTo(a.accountId, 0n);
    });
  }

  it("upstream on a closed port (connection refused): 502 for plain and streamed requests, released, nothing charged", async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    process.env.UPSTREAM_BASE_URL = `http://127.0.0.1:${closed}/v1`;
    try {
      expect(getCatalog().providers.get("upstream")?.baseUrl).toContain(String(closed));
      const a = await makeAccountWithKey(app.db);
      const plain = await call(a.secret, "/v1/chat/completions", { model: "g/html", messages });
      expect(plain.status).toBe(502);
      expectOpenAiError(plain.text, "upstream_error");
      const stream = await call(a.secret, "/v1/chat/completions", { model: "g/html", messages, stream: true });
      expect(stream.status).toBe(502);
      expectOpenAiError(stream.text, "upstream_error");
      const img = await call(a.secret, "/v1/images/generations", { model: "g/img-shape", prompt: "x" });
      expect(img.status).toBe(502);
      await settledTo(a.accountId, 0n);
    } finally {
      process.env.UPSTREAM_BASE_URL = baseUrl;
    }
  });
});
