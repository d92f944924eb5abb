import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { reservations, usageEvents } from "@/db/schema";
import { readBalance } from "@/lib/ledger";
import { encodeWav } from "@/lib/providers/local/media/wav";
import { integrationApp } from "@/tests/helpers/fixture";
import { mediaAccount, rawCall } from "@/tests/helpers/media";

// POST /v1/quote (issue 20, item 5): the worst case a request would hold, for every
// modality, without running it; and the credit headers every /v1 answer carries (item 4).

process.env.LOCAL_SIM_CHUNK_DELAY_MS = "0";
const app = integrationApp();

const post = (key: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  rawCall(path, { method: "POST", key, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const micro = (usd: string | null) => (usd === null ? null : BigInt(Math.round(Number(usd) * 1e6)));

const wavBase64 = encodeWav(new Int16Array(16_000 * 3), 16_000).toString("base64"); // 3 s of silence

// Each quotable path with a body, and the request's real hold (x-credit-held) is compared.
const REQUESTS: [string, Record<string, unknown>][] = [
  ["/v1/chat/completions", { model: "local/echo-chat", messages: [{ role: "user", content: "price me" }], max_tokens: 100 }],
  ["/v1/completions", { model: "local/echo-completion", prompt: "price me", max_tokens: 50 }],
  ["/v1/responses", { model: "local/echo-chat", input: "price me", max_output_tokens: 64 }],
  ["/v1/embeddings", { model: "local/embed-sim", input: ["one", "two three"] }],
  ["/v1/images/generations", { model: "local/image-sim", prompt: "a fox", n: 2, size: "256x256" }],
  ["/v1/audio/speech", { model: "local/tts-sim", input: "Hello there, this is priced per character.", voice: "alloy" }],
  ["/v1/videos", { model: "local/video-sim", prompt: "a fox", seconds: "4" }],
];

describe(`POST /v1/quote and the credit headers (${process.env.TEST_DB ?? "postgres"})`, () => {
  for (const [path, body] of REQUESTS) {
    it(`${path}: the quote is the hold the request takes; quoting charges and holds nothing`, async () => {
      const a = await mediaAccount(app.db);
      const q = await post(a.secret, "/v1/quote", { path, body });
      expect(q.status, JSON.stringify(q.body)).toBe(200);
      expect(q.body).toMatchObject({ object: "quote", path, model: body.model, affordable: true, refusals: [], credit_remaining_micro_usd: 10_000_000 });
      expect(q.body.worst_case_cost).toBe(q.body.worst_case_cost_micro_usd / 1e6);
      expect(Object.keys(q.body.units).length).toBeGreaterThan(0);
      // Nothing happened to the money: no hold, no usage event, balance untouched.
      expect(await readBalance(app.db, a.accountId)).toMatchObject({ balanceMicroUsd: 10_000_000n, reservedMicroUsd: 0n });
      expect(await app.db.select().from(usageEvents).where(eq(usageEvents.accountId, a.accountId))).toHaveLength(0);
      expect(await app.db.select().from(reservations).where(eq(reservations.accountId, a.accountId))).toHaveLength(0);

      const real = await post(a.secret, path, body);
      expect(real.status).toBeLessThan(300);
      expect(micro(real.res.headers.get("x-credit-held"))).toBe(BigInt(q.body.worst_case_cost_micro_usd));
    });
  }

  it("/v1/audio/transcriptions: priced from the audio sent as base64, by its measured duration", async () => {
    const a = await mediaAccount(app.db);
    const q = await post(a.secret, "/v1/quote", { path: "/v1/audio/transcriptions", body: { model: "local/stt-sim", file: wavBase64, filename: "a.wav" } });
    expect(q.status, JSON.stringify(q.body)).toBe(200);
    expect(q.body).toMatchObject({ units: { audio_ms: 3000 }, worst_case_cost_micro_usd: 300 }); // 3 s × $0.006/min
    const missing = await post(a.secret, "/v1/quote", { path: "/v1/audio/transcriptions", body: { model: "local/stt-sim" } });
    expect([missing.status, missing.body.error.param]).toEqual([400, "body.file"]);
  });

  it("says when the key could not afford it now: over max_cost, over the balance; the request's own errors; unknown paths", async () => {
    const a = await mediaAccount(app.db, { availableMicroUsd: 1_000n });
    const body = { model: "local/video-sim", prompt: "a fox", seconds: "8" };
    const q = await post(a.secret, "/v1/quote", { path: "/v1/videos", body: { ...body, max_cost: 0.01 } });
    expect(q.body).toMatchObject({ affordable: false, worst_case_cost_micro_usd: 400_000, credit_remaining_micro_usd: 1_000 });
    expect(q.body.refusals.sort()).toEqual(["insufficient_quota", "max_cost_exceeded"]);
    // The same errors as the request itself, in the OpenAI shape.
    const bad = await post(a.secret, "/v1/quote", { path: "/v1/chat/completions", body: { model: "nope", messages: [{ role: "user", content: "x" }] } });
    expect([bad.status, bad.body.error.code]).toEqual([404, "model_not_found"]);
    const unknown = await post(a.secret, "/v1/quote", { path: "/v1/models", body: {} });
    expect([unknown.status, unknown.body.error.param]).toEqual([400, "path"]);
    const shape = await post(a.secret, "/v1/quote", { body: {} });
    expect([shape.status, shape.body.error.type]).toEqual([400, "invalid_request_error"]);
  });

  it("every /v1 answer to a known key carries x-credit-remaining; answers that held credit carry x-credit-held", async () => {
    const a = await mediaAccount(app.db);
    const models = await rawCall("/v1/models", { key: a.secret });
    expect([models.res.headers.get("x-credit-remaining"), models.res.headers.get("x-credit-held")]).toEqual(["10", null]);

    const chat = await post(a.secret, "/v1/chat/completions", { model: "local/echo-chat", messages: [{ role: "user", content: "hi" }], max_tokens: 1000 });
    const held = micro(chat.res.headers.get("x-credit-held"))!;
    expect(held > BigInt(chat.body.usage.cost_micro_usd)).toBe(true);
    // Read while the hold was in force (or, if the settle was quicker, after the charge).
    const remaining = micro(chat.res.headers.get("x-credit-remaining"))!;
    expect([10_000_000n - held, 10_000_000n - BigInt(chat.body.usage.cost_micro_usd)]).toContain(remaining);

    const refused = await post(a.secret, "/v1/chat/completions", { model: "local/echo-chat", messages: [] });
    expect(refused.status).toBe(400);
    expect(refused.res.headers.get("x-credit-remaining")).not.toBeNull();
    expect(refused.res.headers.get("x-credit-held")).toBeNull();

    const stream = await post(a.secret, "/v1/chat/completions", {
      model: "local/echo-chat",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 10,
      stream: true,
    });
    expect(stream.res.headers.get("x-credit-held")).not.toBeNull();

    const anonymous = await rawCall("/v1/models");
    expect([anonymous.status, anonymous.res.headers.get("x-credit-remaining")]).toEqual([401, null]);
  });
});
