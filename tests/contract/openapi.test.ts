import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeWav } from "@/lib/providers/local/media/wav";
import { waitForVideoJobs } from "@/lib/media/video-jobs";
import { appFetch } from "@/tests/helpers/app-fetch";
import { mediaAccount } from "@/tests/helpers/media";
import { fakeUpstreamModels, startFakeUpstream, type FakeUpstream } from "@/tests/helpers/fake-upstream";
import { assertMatches, responseEventSchema, sseEvents, SPEC } from "./openapi-validator";
import { integrationApp } from "@/tests/helpers/fixture";

// Every /v1 endpoint's responses validated against OpenAI's published OpenAPI schemas
// (vendored: tests/contract/openapi/README.md). Extra fields (our cost) are allowed;
// required fields, types and enums must be as published. /v1/credits is ours (no schema).

process.env.LOCAL_SIM_CHUNK_DELAY_MS = "0";

const app = integrationApp();
let key: string;
let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream();
  process.env.UPSTREAM_BASE_URL = upstream.url;
  process.env.UPSTREAM_MODELS = fakeUpstreamModels(["usage", "nousage"]);
  key = (await mediaAccount(app.db)).secret;
});
afterAll(async () => {
  for (const k of ["UPSTREAM_BASE_URL", "UPSTREAM_MODELS"]) delete process.env[k];
  await upstream?.close();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${key}`, ...headers } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  const res = await appFetch(`http://app.test${path}`, init);
  const text = await res.text();
  return { res, status: res.status, text, json: () => JSON.parse(text) };
}

/** A 200 whose JSON body matches the schema. */
async function ok(schema: string, method: string, path: string, body?: unknown) {
  const r = await call(method, path, body);
  expect(r.status, `${method} ${path}: ${r.text.slice(0, 300)}`).toBe(200);
  const json = r.json();
  assertMatches(schema, json, `${method} ${path}`);
  return json;
}

/** A streamed 200 whose every chunk matches the schema; returns the chunks. */
async function okStream(schema: string, path: string, body: unknown) {
  const r = await call("POST", path, body);
  expect(r.status, r.text.slice(0, 300)).toBe(200);
  expect(r.res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const events = sseEvents(r.text);
  expect(events.length).toBeGreaterThan(1);
  events.forEach((e, i) => assertMatches(schema, e.data, `${path} stream event ${i}`));
  return events;
}

describe(`/v1 responses match OpenAI's published OpenAPI spec ${SPEC.version} (${SPEC.commit.slice(0, 7)})`, () => {
  it("models: list and retrieve", async () => {
    const list = await ok("ListModelsResponse", "GET", "/v1/models");
    for (const m of list.data) await ok("Model", "GET", `/v1/models/${encodeURIComponent(m.id)}`);
  });

  it("chat completions: plain, and every streamed chunk (with and without include_usage)", async () => {
    const messages = [{ role: "user", content: "Say something short." }];
    for (const model of ["local/echo-chat", "local/lorem-chat", "fake/usage", "fake/nousage"]) {
      const plain = await ok("CreateChatCompletionResponse", "POST", "/v1/chat/completions", { model, messages, max_tokens: 8 });
      expect(plain.usage.cost_micro_usd).toBeGreaterThan(0);
      await okStream("CreateChatCompletionStreamResponse", "/v1/chat/completions", { model, messages, max_tokens: 8, stream: true });
      const withUsage = await okStream("CreateChatCompletionStreamResponse", "/v1/chat/completions", {
        model,
        messages,
        max_tokens: 8,
        stream: true,
        stream_options: { include_usage: true },
      });
      expect((withUsage.at(-1)!.data as { usage: { cost_micro_usd: number } }).usage.cost_micro_usd).toBeGreaterThan(0);
    }
  });

  // The spec describes no stream for /v1/completions (its chunks carry finish_reason null,
  // which CreateCompletionResponse does not allow): only the plain answer is checked.
  it("completions: plain", async () => {
    for (const model of ["local/echo-completion", "fake-completion/usage"]) {
      await ok("CreateCompletionResponse", "POST", "/v1/completions", { model, prompt: "Once upon a time", max_tokens: 5 });
    }
  });

  it("responses: plain, and every streamed event (each against its own event schema and the union)", async () => {
    for (const model of ["local/echo-chat", "local/lorem-chat", "fake/usage", "fake/nousage"]) {
      const body = {
        model,
        input: [{ role: "user", content: [{ type: "input_text", text: "Say something short." }] }],
        instructions: "Be brief.",
        max_output_tokens: 8,
      };
      const plain = await ok("Response", "POST", "/v1/responses", body);
      expect(plain.usage.cost_micro_usd).toBeGreaterThan(0);
      const r = await call("POST", "/v1/responses", { ...body, stream: true });
      expect(r.status, `${model}: ${r.text.slice(0, 300)}`).toBe(200);
      const events = sseEvents(r.text);
      for (const [i, e] of events.entries()) {
        const type = (e.data as { type: string }).type;
        expect(e.event).toBe(type);
        assertMatches(responseEventSchema(type), e.data, `${model} stream event ${i} (${type})`);
        assertMatches("ResponseStreamEvent", e.data, `${model} stream event ${i} (${type})`);
      }
      expect(events.map((e) => (e.data as { type: string }).type).at(-1)).toMatch(/^response\.(completed|incomplete)$/);
    }
  });

  it("embeddings: float (the schema's type; base64 is a string the SDK decodes)", async () => {
    const r = await ok("CreateEmbeddingResponse", "POST", "/v1/embeddings", {
      model: "local/embed-sim",
      input: ["a", "b"],
      encoding_format: "float",
      dimensions: 16,
    });
    expect(r.data.length).toBe(2);
  });

  it("images: b64_json and url, usage in the spec's shape with our cost beside it", async () => {
    for (const response_format of ["b64_json", "url"]) {
      const r = await ok("ImagesResponse", "POST", "/v1/images/generations", { model: "local/image-sim", prompt: "a fox", size: "256x256", response_format });
      expect(r.usage.cost_micro_usd).toBeGreaterThan(0);
    }
  });

  it("speech: audio bytes, cost in headers", async () => {
    const r = await call("POST", "/v1/audio/speech", { model: "local/tts-sim", input: "hello", voice: "alloy", response_format: "wav" });
    expect(r.status).toBe(200);
    expect(r.res.headers.get("content-type")).toMatch(/^audio\//);
    expect(Number(r.res.headers.get("x-cost-micro-usd"))).toBeGreaterThan(0);
  });

  it("transcriptions: json and verbose_json (with word and segment timestamps)", async () => {
    const form = (format: string, granularities: string[] = []) => {
      const fd = new FormData();
      fd.set("model", "local/stt-sim");
      fd.set("file", new Blob([encodeWav(new Int16Array(16_000 * 6), 16_000) as BlobPart]), "a.wav");
      fd.set("response_format", format);
      for (const g of granularities) fd.append("timestamp_granularities[]", g);
      return fd;
    };
    await ok("CreateTranscriptionResponseJson", "POST", "/v1/audio/transcriptions", form("json"));
    await ok("CreateTranscriptionResponseVerboseJson", "POST", "/v1/audio/transcriptions", form("verbose_json", ["word", "segment"]));
  });

  it("videos: create, retrieve, list, delete", async () => {
    const created = await ok("VideoResource", "POST", "/v1/videos", { model: "local/video-sim", prompt: "a kite", seconds: 1, size: "720x1280" });
    await waitForVideoJobs();
    await ok("VideoResource", "GET", `/v1/videos/${created.id}`);
    const list = await ok("VideoListResource", "GET", "/v1/videos?limit=1");
    expect(list.data.length).toBe(1);
    await ok("DeletedVideoResource", "DELETE", `/v1/videos/${created.id}`);
  });

  it("errors: 400, 401, 402, 404, 405 in the error object's shape", async () => {
    const cases: [string, string, unknown, number, Record<string, string>?][] = [
      ["POST", "/v1/chat/completions", { model: "local/echo-chat" }, 400],
      ["POST", "/v1/embeddings", { model: "local/embed-sim", input: "" }, 400],
      ["GET", "/v1/models", undefined, 401, { authorization: "Bearer sk-mt-wrong" }],
      ["POST", "/v1/chat/completions", { model: "local/lorem-chat", messages: [{ role: "user", content: "x" }], max_tokens: 8, max_cost: 0.000001 }, 402],
      ["GET", "/v1/models/local%2Fnope", undefined, 404],
      ["GET", "/v1/videos/vid_nope", undefined, 404],
      ["GET", "/v1/nothing-here", undefined, 404],
      ["GET", "/v1/embeddings", undefined, 405],
      ["POST", "/v1/responses", { model: "local/echo-chat", input: "hi", tools: [{ type: "web_search" }] }, 400],
      ["GET", "/v1/responses", undefined, 405],
    ];
    for (const [method, path, body, status, headers] of cases) {
      const r = await call(method, path, body, headers);
      expect(r.status, `${method} ${path}: ${r.text}`).toBe(status);
      assertMatches("ErrorResponse", r.json(), `${method} ${path}`);
    }
  });
});
