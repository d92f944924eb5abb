import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { imageDimensions, imageTokens } from "@/lib/providers/text/vision";

// A strict stand-in for OpenAI's API on loopback, started by tests. It behaves like the real
// service where our gateway can get it wrong:
//   - it refuses what OpenAI refuses, in OpenAI's error shape with `param` and `code`:
//     unknown parameters, wrong types, `max_tokens` on reasoning models, `response_format`
//     on gpt-image models, image parts for models without vision, stream_options without
//     stream, a missing or wrong API key;
//   - it records every request exactly as it arrived (path, headers, raw and parsed body), so
//     tests can assert that nothing was injected and nothing lost;
//   - it reports usage with token details (cached input, reasoning), and on streams sends the
//     final usage chunk only when `stream_options.include_usage` asks for it;
//   - it fails on demand: `fail()` queues faults for the next requests (HTTP status with
//     OpenAI's error body and Retry-After, a stream that breaks mid-way, a slow first byte, a
//     request never answered), `stop()`/`start()` refuse connections on its port.
// Behaviour also follows the model id the gateway sends (so one server serves many cases):
//   fake-usage       reports usage (prompt 21, completion 10: not our tokenizer's numbers)
//   fake-nousage     reports no usage (the gateway must count)
//   fake-cached      reports 2000 prompt tokens of which 1536 cached
//   fake-reasoning   a reasoning model (max_tokens refused; 64 reasoning tokens reported)
//   fake-vision      accepts image_url parts; reports 85 tokens per low-detail image
//   fake-break / fake-errstream / fake-stall / fake-slow / fake-500 / fake-400 (as named)
//   fake-gpt-image   an image model that refuses response_format (like gpt-image-1)
//   fake-bytes       bills as the greediest possible tokenizer would: EVERY byte of the request
//                    body as sent (every field, keys and punctuation included) is a prompt token,
//                    plus 3 per message and 3 for the reply, plus each image part by OpenAI's
//                    documented count (its URL or data bytes are not text); completion 10

export const FAKE_TEXT = "The quick brown fox jumps over the lazy dog.";
export const FAKE_PIECES = ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", "."];
export const FAKE_USAGE = { prompt_tokens: 21, completion_tokens: 10 };
export const FAKE_CACHED = { prompt_tokens: 2000, cached_tokens: 1536, completion_tokens: 10 };
export const FAKE_REASONING_TOKENS = 64;

// The parameters OpenAI's published spec (openai/openai-openapi) lists per endpoint.
const CHAT_PARAMS = new Set(
  (
    "messages model metadata top_logprobs temperature top_p user safety_identifier prompt_cache_key prompt_cache_retention service_tier " +
    "modalities verbosity reasoning_effort max_completion_tokens frequency_penalty presence_penalty web_search_options response_format audio " +
    "store stream stop logit_bias logprobs max_tokens n prediction seed stream_options tools tool_choice parallel_tool_calls function_call functions"
  ).split(" "),
);
const COMPLETION_PARAMS = new Set(
  "model prompt best_of echo frequency_penalty logit_bias logprobs max_tokens n presence_penalty seed stop stream stream_options suffix temperature top_p user".split(
    " ",
  ),
);
const IMAGE_PARAMS = new Set(
  "prompt model n quality response_format output_format output_compression stream partial_images size moderation background style user".split(" "),
);

type Kind = "number" | "integer" | "boolean" | "string" | "array" | "object";
const TYPES: Record<string, Kind> = {
  model: "string",
  messages: "array",
  temperature: "number",
  top_p: "number",
  max_tokens: "integer",
  max_completion_tokens: "integer",
  n: "integer",
  stream: "boolean",
  stream_options: "object",
  seed: "integer",
  frequency_penalty: "number",
  presence_penalty: "number",
  logprobs: "boolean",
  top_logprobs: "integer",
  tools: "array",
  user: "string",
  response_format: "object",
  metadata: "object",
  prompt: "string",
  size: "string",
  quality: "string",
  reasoning_effort: "string",
  logit_bias: "object",
  modalities: "array",
};

export type RecordedRequest = {
  path: string;
  method: string;
  headers: http.IncomingHttpHeaders;
  authorization: string | undefined;
  raw: string;
  body: any;
};

export type FakeFault =
  /** Answer with this HTTP status and OpenAI's error body (429 carries Retry-After). */
  | { kind: "status"; status: number; retryAfterSeconds?: number; message?: string; code?: string }
  /** Stream `chunks` content chunks, then drop the connection. */
  | { kind: "break"; chunks: number }
  /** Wait this long before the response headers (a slow first byte), then answer normally. */
  | { kind: "slow"; ms: number }
  /** Never answer. */
  | { kind: "hang" };

export type FakeUpstream = {
  url: string;
  name: string;
  requests: RecordedRequest[];
  /** Applies `fault` to the next `times` requests (after any already queued). */
  fail(fault: FakeFault, times?: number): void;
  /** Forgets queued faults and recorded requests. */
  reset(): void;
  /** Closes the port (connections are refused) until start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  closedEarly: () => number;
  connections: () => number;
  close: () => Promise<void>;
};

const err = (status: number, message: string, param: string | null, code: string | null, type = "invalid_request_error") => ({
  status,
  body: { error: { message, type, param, code } },
});
type Refusal = ReturnType<typeof err>;

const isReasoning = (model: string) => /^(o\d|gpt-5|fake-reasoning)/.test(model);
const isVision = (model: string) => /vision|bytes|gpt-4o|gpt-4\.1|gpt-5/.test(model);
const isGptImage = (model: string) => /gpt-image/.test(model);

function typeOf(v: unknown): Kind | "null" | "other" {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  if (typeof v === "boolean" || typeof v === "string" || typeof v === "object") return typeof v as Kind;
  return "other";
}

/** What OpenAI would refuse in this body, or null. */
export function strictCheck(path: string, body: any): Refusal | null {
  const known = path.endsWith("/chat/completions")
    ? CHAT_PARAMS
    : path.endsWith("/completions")
      ? COMPLETION_PARAMS
      : path.endsWith("/images/generations")
        ? IMAGE_PARAMS
        : null;
  if (!known) return null;
  if (typeof body !== "object" || body === null || Array.isArray(body)) return err(400, "We could not parse the JSON body of your request.", null, null);
  const image = path.endsWith("/images/generations");
  if (image && isGptImage(String(body.model)) && "response_format" in body)
    return err(400, "Unknown parameter: 'response_format'.", "response_format", "unknown_parameter");
  for (const key of Object.keys(body)) {
    if (!known.has(key)) return err(400, `Unrecognized request argument supplied: ${key}`, key, "unknown_parameter");
    const want = image && key === "response_format" ? "string" : TYPES[key];
    const got = typeOf(body[key]);
    if (want && got !== "null" && got !== want && !(want === "number" && got === "integer")) {
      return err(
        400,
        `Invalid type for '${key}': expected ${want === "integer" ? "an integer" : `a ${want}`}, but got ${got === "integer" ? "a number" : `a ${got}`} instead.`,
        key,
        "invalid_type",
      );
    }
  }
  if (typeof body.model !== "string") return err(400, "you must provide a model parameter", "model", null);
  const model: string = body.model;
  if (body.stream_options != null && body.stream !== true) {
    return err(400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options", "invalid_value");
  }
  if (image) return null;
  if (isReasoning(model) && "max_tokens" in body) {
    return err(
      400,
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      "max_tokens",
      "unsupported_parameter",
    );
  }
  if (isReasoning(model) && body.temperature != null && body.temperature !== 1) {
    return err(
      400,
      "Unsupported value: 'temperature' does not support 0.3 with this model. Only the default (1) value is supported.",
      "temperature",
      "unsupported_value",
    );
  }
  if (Array.isArray(body.messages)) {
    for (const [i, m] of body.messages.entries()) {
      if (!Array.isArray(m?.content)) continue;
      for (const [j, part] of m.content.entries()) {
        if (part?.type === "image_url" && !isVision(model)) {
          return err(400, "Invalid content type. image_url is only supported by certain models.", `messages.[${i}].content.[${j}].type`, "invalid_value");
        }
      }
    }
  }
  return null;
}

function countImages(body: any): { low: number; other: number } {
  const out = { low: 0, other: 0 };
  for (const m of Array.isArray(body.messages) ? body.messages : []) {
    for (const p of Array.isArray(m?.content) ? m.content : []) {
      if (p?.type === "image_url") p.image_url?.detail === "low" ? out.low++ : out.other++;
    }
  }
  return out;
}

/** One image part's tokens by OpenAI's documented formula (its header read for data: URLs). */
function documentedImageTokens(image: any): number {
  const url = typeof image === "string" ? image : image?.url;
  const detail = typeof image === "object" ? image?.detail : undefined;
  const m = typeof url === "string" ? /^data:image\/[a-z0-9.+-]+;base64,(.*)$/is.exec(url) : null;
  const dims = m && detail !== "low" ? imageDimensions(Buffer.from(m[1].slice(0, 88_000), "base64")) : null;
  return imageTokens(detail, dims?.width, dims?.height);
}

/** fake-bytes: the prompt tokens of a body when every byte of it is a token (images apart). */
export function everyBytePromptTokens(body: any): number {
  let images = 0;
  let messages = 0;
  const blanked = Array.isArray(body.messages)
    ? {
        ...body,
        messages: body.messages.map((m: any) => {
          messages++;
          if (!Array.isArray(m?.content)) return m;
          return {
            ...m,
            content: m.content.map((p: any) => {
              if (p?.type !== "image_url") return p;
              images += documentedImageTokens(p.image_url);
              return { ...p, image_url: "" };
            }),
          };
        }),
      }
    : body;
  return Buffer.byteLength(JSON.stringify(blanked), "utf8") + (Array.isArray(body.messages) ? 3 * messages + 3 : 0) + images;
}

/** The usage the fake reports for a model, or null (fake-nousage). */
function usageFor(model: string, body: any, choices: number): Record<string, unknown> | null {
  if (model === "fake-nousage" || model === "fake-break" || model === "fake-errstream" || model === "fake-stall") return null;
  if (model === "fake-bytes") {
    const prompt = everyBytePromptTokens(body);
    const completion = FAKE_USAGE.completion_tokens * choices;
    return {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    };
  }
  let prompt: number = FAKE_USAGE.prompt_tokens;
  let cached = 0;
  let reasoning = 0;
  if (model === "fake-cached") [prompt, cached] = [FAKE_CACHED.prompt_tokens, FAKE_CACHED.cached_tokens];
  if (isReasoning(model)) reasoning = FAKE_REASONING_TOKENS;
  const images = countImages(body);
  prompt += images.low * 85 + images.other * 765;
  const completion = (FAKE_USAGE.completion_tokens + reasoning) * choices;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: reasoning * choices, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

export async function startFakeUpstream(options: { name?: string; apiKey?: string | null } = {}): Promise<FakeUpstream> {
  const name = options.name ?? "fake";
  const requests: RecordedRequest[] = [];
  const faults: FakeFault[] = [];
  let closedEarly = 0;
  const sockets = new Set<Socket>();
  let connections = 0;

  const server = http.createServer(async (req, res) => {
    res.on("close", () => {
      if (!res.writableEnded) closedEarly++;
    });
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const path = req.url ?? "";
    let body: any = {};
    const isJson = (req.headers["content-type"] ?? "").startsWith("application/json");
    let parseFailed = false;
    if (isJson) {
      try {
        body = raw ? JSON.parse(raw) : {};
      } catch {
        parseFailed = true;
      }
    }
    requests.push({ path, method: req.method ?? "", headers: req.headers, authorization: req.headers.authorization, raw, body });
    const answer = (r: Refusal, headers: Record<string, string> = {}) => {
      res.writeHead(r.status, { "content-type": "application/json", "x-fake-upstream": name, ...headers });
      res.end(JSON.stringify(r.body));
    };
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return answer(err(401, "Incorrect API key provided.", null, "invalid_api_key"));
    }
    if (parseFailed) return answer(err(400, "We could not parse the JSON body of your request.", null, null));

    const fault = faults.shift();
    if (fault?.kind === "hang") return;
    if (fault?.kind === "slow") await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === "status") {
      const type = fault.status === 429 ? "requests" : fault.status >= 500 ? "server_error" : "invalid_request_error";
      const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { "retry-after": String(fault.retryAfterSeconds) } : {};
      const message = fault.message ?? (fault.status === 429 ? "Rate limit reached for requests" : `The server had an error (internal address 10.0.0.7)`);
      return answer(err(fault.status, message, null, fault.code ?? (fault.status === 429 ? "rate_limit_exceeded" : null), type), headers);
    }
    if (req.method !== "POST") return answer(err(405, "Method not allowed", null, null));
    if (!isJson) return answer(err(415, "Expected application/json", null, null));

    const refusal = strictCheck(path, body);
    if (refusal) return answer(refusal);
    const model: string = body.model;
    const created = Math.floor(Date.now() / 1000);

    if (path.endsWith("/images/generations")) {
      const n = body.n ?? 1;
      const data = Array.from({ length: n }, (_, i) =>
        body.response_format === "url" ? { url: `https://images.example/${name}/${i}.png` } : { b64_json: Buffer.from(`${name}-img${i}`).toString("base64") },
      );
      const out: any = { created, data };
      // gpt-image models say which quality and size they used ("auto" resolved).
      if (isGptImage(model))
        Object.assign(out, {
          quality: body.quality && body.quality !== "auto" ? body.quality : "medium",
          size: body.size && body.size !== "auto" ? body.size : "1024x1024",
        });
      if (isGptImage(model))
        out.usage = { input_tokens: 12, output_tokens: 4160 * n, total_tokens: 12 + 4160 * n, input_tokens_details: { text_tokens: 12, image_tokens: 0 } };
      res.writeHead(200, { "content-type": "application/json", "x-fake-upstream": name });
      return res.end(JSON.stringify(out));
    }

    const chat = path.endsWith("/chat/completions");
    if (!chat && !path.endsWith("/completions")) return answer(err(404, `Invalid URL (POST ${path})`, null, null));
    if (model === "fake-slow") return; // hold the request open until the client gives up
    if (model === "fake-500") return answer(err(500, "internal meltdown at 10.0.0.7", null, null, "server_error"));
    if (model === "fake-400") return answer(err(400, "temperature must be <= 2", "temperature", "invalid_value"));

    const n: number = body.n ?? 1;
    const text = FAKE_TEXT;
    const usage = usageFor(model, body, n);
    const id = `up-${name}-${requests.length}`;

    if (!body.stream) {
      const choices = Array.from({ length: n }, (_, index) =>
        chat
          ? { index, message: { role: "assistant", content: text, refusal: null }, logprobs: null, finish_reason: "stop" }
          : { index, text, logprobs: null, finish_reason: "stop" },
      );
      const out: any = { id, object: chat ? "chat.completion" : "text_completion", created, model, choices };
      if (usage) out.usage = usage;
      res.writeHead(200, { "content-type": "application/json", "x-fake-upstream": name });
      return res.end(JSON.stringify(out));
    }

    res.writeHead(200, { "content-type": "text/event-stream", "x-fake-upstream": name });
    const send = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
    const base = { id, object: chat ? "chat.completion.chunk" : "text_completion", created, model };
    const choiceFor = (index: number, piece: string, finish: string | null) =>
      chat
        ? { index, delta: piece ? { content: piece } : {}, logprobs: null, finish_reason: finish }
        : { index, text: piece, logprobs: null, finish_reason: finish };
    const breakAt = fault?.kind === "break" ? fault.chunks : undefined;
    const limit = breakAt ?? { "fake-break": 5, "fake-errstream": 3, "fake-stall": 2 }[model] ?? FAKE_PIECES.length;
    for (const piece of FAKE_PIECES.slice(0, limit)) {
      send({ ...base, choices: Array.from({ length: n }, (_, i) => choiceFor(i, piece, null)) });
      await new Promise((r) => setImmediate(r));
    }
    if (breakAt !== undefined || model === "fake-break") return void req.socket.destroy();
    if (model === "fake-errstream") {
      send({ error: { message: "the GPU fell over", type: "server_error", param: null, code: null } });
      return void res.end();
    }
    if (model === "fake-stall") return;
    send({ ...base, choices: Array.from({ length: n }, (_, i) => choiceFor(i, "", "stop")) });
    if (usage && body.stream_options?.include_usage === true) send({ ...base, choices: [], usage });
    res.end("data: [DONE]\n\n");
  });
  server.on("connection", (s) => {
    connections++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const stop = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      if (!server.listening) return r();
      server.close(() => r());
    });
  return {
    url: `http://127.0.0.1:${port}/v1`,
    name,
    requests,
    fail(fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    reset() {
      faults.length = 0;
      requests.length = 0;
    },
    stop,
    start: () => new Promise<void>((r) => (server.listening ? r() : server.listen(port, "127.0.0.1", () => r()))),
    closedEarly: () => closedEarly,
    connections: () => connections,
    close: stop,
  };
}

/** UPSTREAM_MODELS for the fake: public id "fake/<behaviour>" → upstream model "fake-<behaviour>". */
export function fakeUpstreamModels(behaviours = ["usage", "nousage", "break", "errstream", "stall", "slow", "500", "400"]) {
  const models = behaviours.flatMap((b) => [
    {
      id: `fake/${b}`,
      modality: "chat",
      upstreamModel: `fake-${b}`,
      pricing: { inputMicroUsdPerMTokens: 2_000_000, outputMicroUsdPerMTokens: 8_000_000 },
      limits: { contextTokens: 8192, maxOutputTokens: 2048 },
    },
    {
      id: `fake-completion/${b}`,
      modality: "completion",
      upstreamModel: `fake-${b}`,
      pricing: { inputMicroUsdPerMTokens: 1_000_000, outputMicroUsdPerMTokens: 3_000_000 },
    },
  ]);
  return JSON.stringify(models);
}
