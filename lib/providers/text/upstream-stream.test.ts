import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCatalog, type TextModel } from "@/lib/catalog";
import type { StreamEvent, TextRequest } from "./types";
import { ownChunkJson, upstreamTextProvider } from "./upstream";

// The upstream stream's fast path: chunks forwarded by rewriting the upstream's JSON text
// (not parsed and serialised again), and the events of one socket read forwarded together.

const own = { id: JSON.stringify("chatcmpl-ours"), created: "1700000001", model: JSON.stringify("acme/chat") };
/** What the chunk used to be forwarded as: the parsed chunk without usage, our id, created and model. */
const previous = (raw: string) => {
  const { usage: _usage, ...rest } = JSON.parse(raw);
  return JSON.stringify({ ...rest, id: "chatcmpl-ours", created: 1700000001, model: "acme/chat" });
};

describe("ownChunkJson", () => {
  const shapes: Record<string, string> = {
    vllm: '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}]}',
    "openai, usage null last":
      '{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt","system_fingerprint":"fp","choices":[{"index":0,"delta":{"content":"x"}}],"usage":null}',
    "usage object with content":
      '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","usage":{"prompt_tokens":3,"completion_tokens":1},"choices":[{"index":0,"delta":{"content":"y"}}]}',
    "usage first": '{"usage":null,"id":"c","created":1,"model":"m","choices":[]}',
    "llama.cpp order":
      '{"choices":[{"finish_reason":null,"index":0,"delta":{"content":" z"}}],"created":5,"id":"chatcmpl-x","model":"gpt-3.5-turbo","object":"chat.completion.chunk"}',
    "no id, created or model": '{"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"a"}}]}',
    "python separators": '{"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [{"index": 0, "delta": {"content": "b"}}]}',
    "tricky strings":
      '{"id":"c","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"\\"model\\":\\"evil\\", \\\\\\"id\\": {[","tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":"{\\"model\\":1}"}}]}}]}',
    "model after choices": '{"id":"c","choices":[{"index":0,"delta":{"content":"q"}}],"model":"m","created":2,"usage":null}',
    "escaped key": '{"id":"c","created":1,"mod\\u0065l":"m","usag\\u0065":null,"choices":[]}',
    "multi-line": '{"id":"c",\n"created":1,"model":"m","choices":[{"index":0,"delta":{"content":"l"}}]}',
    empty: "{}",
    "unicode and numbers":
      '{"id":"c","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"é \\u00e9 😀"},"logprobs":{"content":[{"token":"é","logprob":-0.5e-3}]}}]}',
  };
  for (const [name, raw] of Object.entries(shapes)) {
    it(`forwards the same members in the same order: ${name}`, () => {
      const out = ownChunkJson(raw, JSON.parse(raw), own);
      expect(out).not.toMatch(/[\r\n]/);
      const got = JSON.parse(out);
      const want = JSON.parse(previous(raw));
      expect(got).toEqual(want);
      expect(Object.keys(got)).toEqual(Object.keys(want));
    });
  }
  it("keeps the upstream's text of what it does not replace", () => {
    const raw = '{"id":"c","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"\\u00e9"},"x":1.50}]}';
    expect(ownChunkJson(raw, JSON.parse(raw), own)).toBe(
      '{"id":"chatcmpl-ours","created":1700000001,"model":"acme/chat","choices":[{"index":0,"delta":{"content":"\\u00e9"},"x":1.50}]}',
    );
  });
});

describe("upstream stream: events read together are forwarded together", () => {
  let server: http.Server;
  let body = "";
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.end(body); // one write: the client reads it at once
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  async function run(sse: string): Promise<{ events: StreamEvent[]; error: unknown }> {
    body = sse;
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const catalog = buildCatalog(
      [
        {
          id: "t/chat",
          modality: "chat",
          provider: "upstream",
          routes: [{ provider: "p", model: "m" }],
          pricing: { inputMicroUsdPerMTokens: 1n, outputMicroUsdPerMTokens: 1n },
          limits: { contextTokens: 1000, maxOutputTokens: 100, defaultMaxTokens: 10 },
        } as unknown as TextModel,
      ],
      [{ id: "p", baseUrl: url, apiKey: null, headers: {}, timeoutMs: 5_000, firstByteTimeoutMs: 5_000, breaker: { failures: 5, cooldownMs: 1_000 } }],
    );
    const req = {
      kind: "chat",
      model: catalog.get("t/chat") as TextModel,
      body: { model: "t/chat", messages: [], stream: true },
      maxTokens: 10,
      inputTokens: 1,
      responseId: "chatcmpl-ours",
      created: 1700000001,
      signal: new AbortController().signal,
      trace: { provider: null, attempts: 0 },
    } as TextRequest;
    const stream = await upstreamTextProvider(catalog).stream(req);
    const events: StreamEvent[] = [];
    try {
      for (;;) {
        const n = await stream.next();
        if (n.done) return { events, error: null };
        events.push(n.value);
      }
    } catch (error) {
      return { events, error };
    }
  }
  const chunk = (content: string, extra = "") =>
    `data: {"id":"u","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"${content}"}}]${extra}}\n\n`;

  it("one event with every chunk, their text and the usage; [DONE] ends it", async () => {
    const usage = 'data: {"id":"u","choices":[],"usage":{"prompt_tokens":2,"completion_tokens":3,"total_tokens":5}}\n\n';
    const { events, error } = await run(chunk("a") + chunk("b", ',"usage":null') + chunk("c") + usage + "data: [DONE]\n\n" + chunk("after"));
    expect(error).toBeNull();
    expect(events).toHaveLength(1);
    const ev = events[0] as Extract<StreamEvent, { type: "sse" }>;
    expect(ev.type).toBe("sse");
    expect(ev.text).toBe("abc");
    expect(ev.usage).toEqual({ source: "provider", inputTokens: 2, outputTokens: 3 });
    const lines = ev.data.split("\n\n").filter(Boolean);
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(JSON.parse(l.slice(6))).toMatchObject({ id: "chatcmpl-ours", created: 1700000001, model: "t/chat" });
    expect(ev.data).not.toContain("usage");
  });

  it("an error event after content: the content first, then the error", async () => {
    const { events, error } = await run(chunk("a") + chunk("b") + 'data: {"error":{"message":"boom"}}\n\n' + chunk("never"));
    expect(events).toHaveLength(1);
    expect((events[0] as Extract<StreamEvent, { type: "sse" }>).text).toBe("ab");
    expect(error).toMatchObject({ code: "upstream_error" });
  });

  it("CRLF framing and a multi-line data event are read as before", async () => {
    const multi = 'data: {"id":"u","created":1,"model":"m",\r\ndata: "choices":[{"index":0,"delta":{"content":"m"}}]}\r\n\r\n';
    const { events, error } = await run(chunk("a").replace(/\n/g, "\r\n") + multi + "data: [DONE]\r\n\r\n");
    expect(error).toBeNull();
    const ev = events[0] as Extract<StreamEvent, { type: "sse" }>;
    expect(ev.text).toBe("am");
    const lines = ev.data.split("\n\n").filter(Boolean);
    expect(lines.map((l) => JSON.parse(l.slice(6)).choices[0].delta.content)).toEqual(["a", "m"]);
  });

  it("a stream that ends without [DONE] fails after what came", async () => {
    const { events, error } = await run(chunk("a"));
    expect((events[0] as Extract<StreamEvent, { type: "sse" }>).text).toBe("a");
    expect(error).toMatchObject({ code: "upstream_error" });
  });
});
