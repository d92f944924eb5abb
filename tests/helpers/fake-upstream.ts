import http from "node:http";
import type { AddressInfo } from "node:net";

// An OpenAI-compatible test server on loopback. Its behaviour is picked by the model id
// the platform sends upstream:
//   fake-usage      answers and reports usage (prompt 21, completion 10: not what our
//                   tokenizer would count, so tests can tell whose numbers were billed)
//   fake-nousage    answers without usage (the platform must count with its tokenizer)
//   fake-break      streams 5 pieces, then drops the connection
//   fake-errstream  streams 3 pieces, then an error event
//   fake-stall      streams 2 pieces, then goes silent
//   fake-slow       never answers
//   fake-500        HTTP 500 with an error body
//   fake-400        HTTP 400 with an error body
// Every request is recorded; `closedEarly` counts responses the platform cancelled.

export const FAKE_TEXT = "The quick brown fox jumps over the lazy dog.";
export const FAKE_PIECES = ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", "."];
export const FAKE_USAGE = { prompt_tokens: 21, completion_tokens: 10 };

export type FakeUpstream = {
  url: string;
  requests: { path: string; body: any; authorization: string | undefined }[];
  closedEarly: () => number;
  /** TCP connections accepted so far (keep-alive reuse shows as few). */
  connections: () => number;
  close: () => Promise<void>;
};

export async function startFakeUpstream(): Promise<FakeUpstream> {
  const requests: FakeUpstream["requests"] = [];
  let closedEarly = 0;
  const sockets = new Set<import("node:net").Socket>();
  let connections = 0;

  const server = http.createServer(async (req, res) => {
    res.on("close", () => {
      if (!res.writableEnded) closedEarly++;
    });
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = raw ? JSON.parse(raw) : {};
    const path = req.url ?? "";
    requests.push({ path, body, authorization: req.headers.authorization });
    const chat = path.endsWith("/chat/completions");
    const model: string = body.model;
    const created = Math.floor(Date.now() / 1000);

    if (model === "fake-slow") return; // hold the request open until the client gives up
    if (model === "fake-500" || model === "fake-400") {
      res.writeHead(model === "fake-500" ? 500 : 400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: model === "fake-500" ? "internal meltdown at 10.0.0.7" : "temperature must be <= 2", type: "x" } }));
      return;
    }

    const choiceFor = (text: string, finish: string | null) =>
      chat ? { index: 0, delta: text ? { content: text } : {}, finish_reason: finish } : { index: 0, text, finish_reason: finish };

    if (!body.stream) {
      const choice = chat
        ? { index: 0, message: { role: "assistant", content: FAKE_TEXT }, finish_reason: "stop" }
        : { index: 0, text: FAKE_TEXT, finish_reason: "stop" };
      const out: any = { id: "up-123", object: chat ? "chat.completion" : "text_completion", created, model, choices: [choice] };
      if (model === "fake-usage") out.usage = { ...FAKE_USAGE, total_tokens: 31 };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(out));
      return;
    }

    res.writeHead(200, { "content-type": "text/event-stream" });
    const send = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
    const chunk = (text: string, finish: string | null = null) =>
      send({ id: "up-123", object: chat ? "chat.completion.chunk" : "text_completion", created, model, choices: [choiceFor(text, finish)] });
    const limit = { "fake-break": 5, "fake-errstream": 3, "fake-stall": 2 }[model] ?? FAKE_PIECES.length;
    for (const piece of FAKE_PIECES.slice(0, limit)) {
      chunk(piece);
      await new Promise((r) => setImmediate(r));
    }
    if (model === "fake-break") return void req.socket.destroy();
    if (model === "fake-errstream") {
      send({ error: { message: "the GPU fell over", type: "server_error" } });
      return void res.end();
    }
    if (model === "fake-stall") return;
    chunk("", "stop");
    if (model === "fake-usage" && body.stream_options?.include_usage) {
      send({ id: "up-123", object: "chat.completion.chunk", created, model, choices: [], usage: { ...FAKE_USAGE, total_tokens: 31 } });
    }
    res.end("data: [DONE]\n\n");
  });
  server.on("connection", (s) => {
    connections++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    closedEarly: () => closedEarly,
    connections: () => connections,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
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
      limits: { contextTokens: 8192, maxOutputTokens: 2048, defaultMaxTokens: 512 },
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
