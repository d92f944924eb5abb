import { describe, expect, it } from "vitest";
import { readSse, type SseEvent } from "./sse";

function bodyOf(chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const ch of chunks) c.enqueue(enc.encode(ch));
      c.close();
    },
  });
}

describe("readSse", () => {
  it("splits events across arbitrary chunk boundaries, keeps event names, ends with [DONE]", async () => {
    const got: SseEvent[] = [];
    await readSse(bodyOf(['data: {"a"', ":1}\n", '\nevent: response.completed\ndata: {"b":2}\n\n', "data: [DONE]\n\n"]), (e) => got.push(e));
    expect(got).toEqual([
      { event: null, data: '{"a":1}' },
      { event: "response.completed", data: '{"b":2}' },
      { event: null, data: "[DONE]" },
    ]);
  });

  it("handles CRLF and a last event without its blank line", async () => {
    const got: SseEvent[] = [];
    await readSse(bodyOf(["data: one\r\n\r\ndata: two"]), (e) => got.push(e));
    expect(got.map((e) => e.data)).toEqual(["one", "two"]);
  });
});
