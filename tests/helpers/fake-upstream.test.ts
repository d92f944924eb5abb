import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, strictCheck, type FakeUpstream } from "./fake-upstream";

// The strict fake provider itself: it must refuse what OpenAI's API refuses (so tests that
// pass against it mean something), answer streams with a usage chunk only when asked, and
// fail on demand.

let up: FakeUpstream;
beforeAll(async () => void (up = await startFakeUpstream({ name: "s", apiKey: "k" })));
afterAll(() => up.close());

const call = (body: unknown, key = "k") =>
  fetch(`${up.url}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
const messages = [{ role: "user", content: "hi" }];

describe("strict fake provider", () => {
  it("refuses like OpenAI: unknown parameter, wrong type, max_tokens on a reasoning model, stream_options without stream, image parts without vision, response_format on gpt-image", () => {
    const chat = "/v1/chat/completions";
    expect(strictCheck(chat, { model: "gpt-4o", messages, max_cost: 1 })?.body.error).toMatchObject({ param: "max_cost", code: "unknown_parameter" });
    expect(strictCheck(chat, { model: "gpt-4o", messages, temperature: "hot" })?.body.error).toMatchObject({ param: "temperature", code: "invalid_type" });
    expect(strictCheck(chat, { model: "o3", messages, max_tokens: 5 })?.body.error).toMatchObject({ param: "max_tokens", code: "unsupported_parameter" });
    expect(strictCheck(chat, { model: "o3", messages, max_completion_tokens: 5 })).toBeNull();
    expect(strictCheck(chat, { model: "gpt-4o", messages, stream_options: { include_usage: true } })?.body.error.param).toBe("stream_options");
    const image = [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x" } }] }];
    expect(strictCheck(chat, { model: "fake-usage", messages: image })?.status).toBe(400);
    expect(strictCheck(chat, { model: "gpt-4o", messages: image })).toBeNull();
    expect(strictCheck("/v1/images/generations", { model: "gpt-image-1", prompt: "x", response_format: "b64_json" })?.body.error).toMatchObject({
      param: "response_format",
      code: "unknown_parameter",
    });
    expect(strictCheck("/v1/images/generations", { model: "dall-e-3", prompt: "x", response_format: "url" })).toBeNull();
  });

  it("checks the key, records every request as it arrived, sends the usage chunk only when asked", async () => {
    expect((await call({ model: "gpt-4o", messages }, "wrong")).status).toBe(401);
    const plain = await (await call({ model: "gpt-4o", messages })).json();
    expect(plain.usage).toMatchObject({ prompt_tokens: 21, prompt_tokens_details: { cached_tokens: 0 } });
    const without = await (await call({ model: "gpt-4o", messages, stream: true })).text();
    const withUsage = await (await call({ model: "gpt-4o", messages, stream: true, stream_options: { include_usage: true } })).text();
    expect(without).not.toContain('"usage"');
    expect(withUsage).toContain('"usage"');
    expect(up.requests.at(-1)!.raw).toBe(JSON.stringify({ model: "gpt-4o", messages, stream: true, stream_options: { include_usage: true } }));
  });

  it("fails on demand: 429 with Retry-After, then normal again; refused connections after stop()", async () => {
    up.fail({ kind: "status", status: 429, retryAfterSeconds: 3 });
    const limited = await call({ model: "gpt-4o", messages });
    expect([limited.status, limited.headers.get("retry-after"), (await limited.json()).error.code]).toEqual([429, "3", "rate_limit_exceeded"]);
    expect((await call({ model: "gpt-4o", messages })).status).toBe(200);
    await up.stop();
    await expect(call({ model: "gpt-4o", messages })).rejects.toThrow();
    await up.start();
    expect((await call({ model: "gpt-4o", messages })).status).toBe(200);
  });
});
