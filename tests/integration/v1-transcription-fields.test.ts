import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toFile } from "openai";
import { encodeWav } from "@/lib/providers/local/media/wav";
import { sdkClient } from "@/tests/helpers/app-fetch";
import { mediaAccount, moneyState, rawCall } from "@/tests/helpers/media";
import { integrationApp } from "@/tests/helpers/fixture";

// Repeated multipart fields on /v1/audio/transcriptions: the SDK sends
// timestamp_granularities: ["word","segment"] as two `timestamp_granularities[]` parts.
// Both are honoured by the simulator and both reach an upstream, in order.

const app = integrationApp();
let server: http.Server;
const forms: FormData[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c) => parts.push(c));
    req.on("end", async () => {
      forms.push(await new Response(new Uint8Array(Buffer.concat(parts)), { headers: { "content-type": req.headers["content-type"]! } }).formData());
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ task: "transcribe", language: "english", duration: 2, text: "hi there", words: [], segments: [] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  process.env.UPSTREAM_BASE_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  process.env.UPSTREAM_MODELS = JSON.stringify([{ id: "up/stt-fields", modality: "stt", upstreamModel: "stt-model", pricing: { microUsdPerMinute: 12_000 } }]);
});
afterAll(async () => {
  for (const k of ["UPSTREAM_BASE_URL", "UPSTREAM_MODELS"]) delete process.env[k];
  await new Promise((r) => server.close(r));
});

const wav = () => encodeWav(new Int16Array(16_000 * 7), 16_000); // 7 s: two simulated segments

describe(`repeated transcription form fields (${process.env.TEST_DB ?? "postgres"})`, () => {
  it("simulator: word and segment granularities both honoured; one alone gives only it", async () => {
    const a = await mediaAccount(app.db);
    const client = sdkClient(a.secret);
    const both = await client.audio.transcriptions.create({
      file: await toFile(wav(), "a.wav"),
      model: "local/stt-sim",
      response_format: "verbose_json",
      timestamp_granularities: ["word", "segment"],
    });
    expect(both.segments?.length).toBe(2);
    expect(both.words?.length).toBeGreaterThan(10);
    // Words tile the audio in order, inside its duration.
    const words = both.words!;
    expect(words[0].start).toBe(0);
    expect(words.at(-1)!.end).toBeCloseTo(7, 6);
    for (let i = 1; i < words.length; i++) expect(words[i].start).toBeCloseTo(words[i - 1].end, 9);
    expect(
      words
        .map((w) => w.word)
        .join(" ")
        .toLowerCase(),
    ).toBe(
      both
        .segments!.map((s) => s.text.replace(/\.$/, ""))
        .join(" ")
        .toLowerCase(),
    );

    const wordsOnly = await client.audio.transcriptions.create({
      file: await toFile(wav(), "a.wav"),
      model: "local/stt-sim",
      response_format: "verbose_json",
      timestamp_granularities: ["word"],
    });
    expect([wordsOnly.words?.length, wordsOnly.segments]).toEqual([words.length, undefined]);
    const plain = await client.audio.transcriptions.create({ file: await toFile(wav(), "a.wav"), model: "local/stt-sim", response_format: "verbose_json" });
    expect([plain.words, plain.segments?.length]).toEqual([undefined, 2]);
  });

  it("upstream: every value of a repeated field is forwarded, in order", async () => {
    const a = await mediaAccount(app.db);
    await sdkClient(a.secret).audio.transcriptions.create({
      file: await toFile(wav(), "a.wav"),
      model: "up/stt-fields",
      response_format: "verbose_json",
      timestamp_granularities: ["word", "segment"],
      include: ["logprobs"],
    });
    const form = forms.at(-1)!;
    expect(form.getAll("timestamp_granularities[]")).toEqual(["word", "segment"]);
    expect(form.getAll("include[]")).toEqual(["logprobs"]);
    expect(form.get("model")).toBe("stt-model");
  });

  it("bad granularities are a 400 naming the parameter, and nothing is charged", async () => {
    const a = await mediaAccount(app.db);
    for (const [values, format] of [
      [["word", "letter"], "verbose_json"],
      [["word"], "json"],
    ] as const) {
      const fd = new FormData();
      fd.set("model", "local/stt-sim");
      fd.set("file", new Blob([wav() as BlobPart]), "a.wav");
      fd.set("response_format", format);
      for (const v of values) fd.append("timestamp_granularities[]", v);
      const r = await rawCall("/v1/audio/transcriptions", { method: "POST", key: a.secret, body: fd });
      expect([r.status, r.body.error.param]).toEqual([400, "timestamp_granularities[]"]);
    }
    const m = await moneyState(app.db, a.accountId);
    expect([m.balanceMicroUsd, m.reservedMicroUsd, m.usage.length]).toEqual([10_000_000n, 0n, 0]);
  });
});
