import { describe, expect, it } from "vitest";
import { getCatalog } from "@/lib/catalog";
import { endpointExamples } from "@/lib/docs/endpoint-examples";
import { modelRefs } from "@/lib/docs/pages/endpoints";
import { waitForVideoJobs } from "@/lib/media/video-jobs";
import { PlaygroundError, readCredits, runCall } from "@/lib/playground/run";
import { appFetch, sdkClient } from "@/tests/helpers/app-fetch";
import { mediaAccount, moneyState } from "@/tests/helpers/media";
import { integrationApp } from "@/tests/helpers/fixture";

// The playground's runner (lib/playground/run.ts, what the dashboard page runs in the
// browser) sends the docs' requests to /v1 with an API key: each one is billed exactly like
// the same request sent with the official SDK, and the balance it reads is the ledger's.

const app = integrationApp();
const origin = "http://app.test";
const models = modelRefs(getCatalog().models);
const example = (id: Parameters<typeof endpointExamples>[0], n = 0) => endpointExamples(id, models)[n].call;

async function usageOf(accountId: string) {
  return (await moneyState(app.db, accountId)).usage.map((u) => ({ model: u.model, cost: u.costMicroUsd, input: u.inputTokens, output: u.outputTokens }));
}

describe("playground runner", () => {
  it("streams a chat answer piece by piece and is billed exactly as the SDK's same request", async () => {
    const pg = await mediaAccount(app.db);
    const sdk = await mediaAccount(app.db);
    const call = { ...example("chat-completions", 1), messages: [{ role: "user" as const, content: "Tell me about metering in three words" }] };
    if (call.kind !== "chat") throw new Error("chat expected");
    const pieces: string[] = [];
    const r = await runCall(call, { fetch: appFetch, origin, apiKey: pg.secret, onText: (t) => pieces.push(t) });
    expect(r.text).toBe("Tell me about metering in three words"); // the echo model repeats the message
    expect(pieces.length).toBeGreaterThan(1); // arrived in pieces
    expect(pieces.at(-1)).toBe(r.text);

    const stream = await sdkClient(sdk.secret).chat.completions.create({ ...call, stream: true, stream_options: { include_usage: true } });
    let sdkCost = -1;
    for await (const chunk of stream) if (chunk.usage) sdkCost = (chunk.usage as unknown as { cost_micro_usd: number }).cost_micro_usd;
    expect(r.costMicroUsd).toBe(sdkCost);
    expect(r.costMicroUsd).toBeGreaterThan(0);
    const [a, b] = [await usageOf(pg.accountId), await usageOf(sdk.accountId)];
    expect(a).toEqual(b);
    expect(a).toHaveLength(1);
    expect(a[0].cost).toBe(BigInt(r.costMicroUsd!));

    const credits = await readCredits({ fetch: appFetch, origin, apiKey: pg.secret });
    const m = await moneyState(app.db, pg.accountId);
    expect(BigInt(credits.balance_micro_usd)).toBe(m.balanceMicroUsd);
  });

  it("generates an image, speech and an embedding, each billed as through the SDK", async () => {
    const pg = await mediaAccount(app.db);
    const sdk = await mediaAccount(app.db);
    const client = sdkClient(sdk.secret);

    const image = example("images");
    if (image.kind !== "image") throw new Error("image expected");
    const img = await runCall(image, { fetch: appFetch, origin, apiKey: pg.secret });
    expect(img.images).toHaveLength(1);
    expect(img.images![0]).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    const sdkImg = await client.images.generate({ ...image, response_format: "b64_json" } as never);
    expect(img.costMicroUsd).toBe((sdkImg as unknown as { usage: { cost_micro_usd: number } }).usage.cost_micro_usd);

    const speech = example("speech");
    if (speech.kind !== "speech") throw new Error("speech expected");
    const audio = await runCall(speech, { fetch: appFetch, origin, apiKey: pg.secret });
    expect(audio.media!.contentType).toBe("audio/mpeg");
    const bytes = new Uint8Array(await audio.media!.blob.arrayBuffer());
    expect([bytes[0], bytes[1] & 0xe0]).toEqual([0xff, 0xe0]);
    const sdkAudio = await client.audio.speech.create(speech).withResponse();
    expect(audio.costMicroUsd).toBe(Number(sdkAudio.response.headers.get("x-cost-micro-usd")));

    const emb = example("embeddings");
    if (emb.kind !== "embedding") throw new Error("embedding expected");
    const e = await runCall(emb, { fetch: appFetch, origin, apiKey: pg.secret });
    expect(e.embedding!.head).toHaveLength(8);
    const sdkEmb = await client.embeddings.create(emb);
    expect(e.embedding!.dimensions).toBe(sdkEmb.data[0].embedding.length);
    expect(e.costMicroUsd).toBe((sdkEmb.usage as unknown as { cost_micro_usd: number }).cost_micro_usd);

    const [a, b] = [await usageOf(pg.accountId), await usageOf(sdk.accountId)];
    expect(a.sort((x, y) => x.model.localeCompare(y.model))).toEqual(b.sort((x, y) => x.model.localeCompare(y.model)));
    expect(a).toHaveLength(3);
  });

  it("transcribes an upload and renders a video to the end, with their costs", async () => {
    const pg = await mediaAccount(app.db);
    const speech = example("speech");
    if (speech.kind !== "speech") throw new Error("speech expected");
    const audio = await runCall(speech, { fetch: appFetch, origin, apiKey: pg.secret });
    const stt = example("transcriptions");
    if (stt.kind !== "transcription") throw new Error("transcription expected");
    const t = await runCall(stt, { fetch: appFetch, origin, apiKey: pg.secret, file: audio.media!.blob });
    expect(t.text).toMatch(/Simulated transcript/);
    expect(t.costMicroUsd).toBeGreaterThan(0);

    const video = { ...example("videos"), size: "720x1280" };
    if (video.kind !== "video") throw new Error("video expected");
    const progress: number[] = [];
    const v = await runCall(video, { fetch: appFetch, origin, apiKey: pg.secret, pollMs: 50, onProgress: (p) => progress.push(p) });
    await waitForVideoJobs();
    expect(v.media!.contentType).toBe("video/mp4");
    expect(
      Buffer.from(await v.media!.blob.arrayBuffer())
        .subarray(4, 8)
        .toString("latin1"),
    ).toBe("ftyp");
    expect(progress.at(-1)).toBe(100);
    const usage = await usageOf(pg.accountId);
    expect(usage.find((u) => u.model === video.model)?.cost).toBe(BigInt(v.costMicroUsd!));
  });

  it("reports the API's error message and status, and charges nothing", async () => {
    const pg = await mediaAccount(app.db);
    const err = await runCall(
      { kind: "chat", model: "local/no-such-model", messages: [{ role: "user", content: "x" }], stream: true },
      { fetch: appFetch, origin, apiKey: pg.secret },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(PlaygroundError);
    expect(err.status).toBe(404);
    expect(err.message).toMatch(/local\/no-such-model/);
    const bad = await runCall(
      { kind: "chat", model: "local/echo-chat", messages: [{ role: "user", content: "x" }] },
      { fetch: appFetch, origin, apiKey: "sk-mt-wrong" },
    ).catch((e) => e);
    expect(bad.status).toBe(401);
    expect((await moneyState(app.db, pg.accountId)).usage).toHaveLength(0);
  });
});
