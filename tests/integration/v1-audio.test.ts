import { describe, expect, it } from "vitest";
import { APIError, toFile } from "openai";
import { getCatalog, type SttModel, type TtsModel } from "@/lib/catalog";
import { ceilDiv } from "@/lib/money";
import { measureFlac } from "@/lib/media/audio-duration/flac";
import { measureMpegAudio, readMpegFrameHeader } from "@/lib/media/audio-duration/mp3";
import { parseWav } from "@/lib/media/audio-duration/wav";
import { encodeFlac } from "@/lib/providers/local/media/flac";
import { writeSilentMp3 } from "@/tests/helpers/mp3";
import { synthesizeSpeech } from "@/lib/providers/local/media/speech";
import { encodeWav } from "@/lib/providers/local/media/wav";

import { sdkClient } from "@/tests/helpers/app-fetch";
import { mediaAccount, moneyState, rawCall } from "@/tests/helpers/media";
import { integrationApp } from "@/tests/helpers/fixture";

const app = integrationApp();

const START = 10_000_000n;
const tts = () => getCatalog().get("local/tts-sim") as TtsModel;
const stt = () => getCatalog().get("local/stt-sim") as SttModel;
const sttCost = (ms: number) => ceilDiv(BigInt(ms) * stt().pricing.microUsdPerMinute, 60_000n);

describe(`POST /v1/audio/speech on ${process.env.TEST_DB ?? "postgres"}`, () => {
  it("returns a real WAV whose length follows the text, billed per character with the cost in headers", async () => {
    const a = await mediaAccount(app.db);
    const input = "Metered speech, déjà vu 👋"; // 25 code points (the emoji is 2 UTF-16 units)
    expect([...input].length).toBe(25);
    const res = await sdkClient(a.secret).audio.speech.create({ model: "local/tts-sim", input, voice: "alloy", response_format: "wav" });
    const expected = 25n * tts().pricing.microUsdPerCharacter;
    expect(res.headers.get("content-type")).toBe("audio/wav");
    expect(res.headers.get("x-cost-micro-usd")).toBe(String(expected));
    expect(res.headers.get("x-cost-usd")).toBe(String(Number(expected) / 1e6));
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    const wav = parseWav(new Uint8Array(await res.arrayBuffer()));
    expect(wav).toMatchObject({ sampleRate: 24_000, channels: 1, bitsPerSample: 16, durationMs: 25 * 60 });
    const m = await moneyState(app.db, a.accountId);
    expect(m).toMatchObject({ balanceMicroUsd: START - expected, reservedMicroUsd: 0n, auditOk: true });
    expect(m.usage[0]).toMatchObject({ modality: "tts", characters: 25, costMicroUsd: expected, requestId: res.headers.get("x-request-id") });
  });

  it("produces pcm and flac for real, defaults to mp3 as OpenAI does, and refuses formats the simulator cannot encode", async () => {
    const a = await mediaAccount(app.db);
    const client = sdkClient(a.secret);
    const pcm = await client.audio.speech.create({ model: "local/tts-sim", input: "hello", voice: "nova", response_format: "pcm" });
    expect((await pcm.arrayBuffer()).byteLength).toBe(5 * 1440 * 2);
    const flac = await client.audio.speech.create({ model: "local/tts-sim", input: "hello", voice: "nova", response_format: "flac", speed: 2 });
    expect(measureFlac(new Uint8Array(await flac.arrayBuffer())).durationMs).toBe(150);
    const dflt = await rawCall("/v1/audio/speech", {
      method: "POST",
      key: a.secret,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "local/tts-sim", input: "hi" }),
    });
    expect([dflt.status, dflt.res.headers.get("content-type")]).toEqual([200, "audio/mpeg"]);
    expect(readMpegFrameHeader(dflt.bytes, 0)).toMatchObject({ layer: 3, sampleRate: 24_000 }); // frame sync at byte 0
    let spent = (await moneyState(app.db, a.accountId)).balanceMicroUsd;
    expect(spent).toBe(START - 12n * tts().pricing.microUsdPerCharacter);

    const mp3 = await client.audio.speech.create({ model: "local/tts-sim", input: "hello", voice: "nova", response_format: "mp3" });
    expect(mp3.headers.get("content-type")).toBe("audio/mpeg");
    expect(measureMpegAudio(new Uint8Array(await mp3.arrayBuffer()))).toMatchObject({ layer: 3, sampleRate: 24_000 });
    expect((await moneyState(app.db, a.accountId)).balanceMicroUsd).toBe(spent - 5n * tts().pricing.microUsdPerCharacter);
    spent -= 5n * tts().pricing.microUsdPerCharacter;
    for (const format of ["opus", "aac"] as const) {
      const refused = await client.audio.speech.create({ model: "local/tts-sim", input: "hello", voice: "nova", response_format: format }).catch((e) => e);
      expect(refused).toBeInstanceOf(APIError);
      expect([refused.status, refused.error.param]).toEqual([400, "response_format"]);
      expect(refused.error.message).toMatch(new RegExp(`cannot produce ${format}\\. Supported: mp3, wav, pcm, flac\\.`));
    }
    const long = await client.audio.speech.create({ model: "local/tts-sim", input: "x".repeat(4097), voice: "nova" }).catch((e) => e);
    expect([long.status, long.error.param]).toEqual([400, "input"]);
    const slow = await client.audio.speech.create({ model: "local/tts-sim", input: "x", voice: "nova", speed: 10 }).catch((e) => e);
    expect([slow.status, slow.error.param]).toEqual([400, "speed"]);
    expect((await moneyState(app.db, a.accountId)).balanceMicroUsd).toBe(spent);
  });

  it("402s when the characters cost more than the balance", async () => {
    const a = await mediaAccount(app.db, { availableMicroUsd: 10n * tts().pricing.microUsdPerCharacter - 1n });
    const err = await sdkClient(a.secret)
      .audio.speech.create({ model: "local/tts-sim", input: "0123456789", voice: "nova" })
      .catch((e) => e);
    expect([err.status, err.error.code]).toEqual([402, "insufficient_quota"]);
    const ok = await sdkClient(a.secret).audio.speech.create({ model: "local/tts-sim", input: "012345678", voice: "nova" });
    expect(ok.status).toBe(200);
    expect((await moneyState(app.db, a.accountId)).balanceMicroUsd).toBe(tts().pricing.microUsdPerCharacter - 1n);
  });
});

describe(`POST /v1/audio/transcriptions on ${process.env.TEST_DB ?? "postgres"}`, () => {
  // 7.3334 s of synthetic speech: 176_001 samples at 24 kHz → 7334 ms (rounded up to the ms).
  const samples = new Int16Array(176_001);
  samples.set(synthesizeSpeech("transcribe me please, this is a test of the meter".repeat(3)).subarray(0, 176_001));
  const wav = encodeWav(samples, 24_000);

  it("bills the duration measured from the WAV itself, whatever the client claims", async () => {
    const a = await mediaAccount(app.db);
    const client = sdkClient(a.secret);
    const { data, response } = await client.audio.transcriptions
      // The file name and type lie (short.mp3), and a bogus "duration" field is sent.
      .create({ file: await toFile(wav, "short.mp3", { type: "audio/mpeg" }), model: "local/stt-sim", duration: "1" } as never)
      .withResponse();
    const expected = sttCost(7334);
    expect(expected).toBe(734n); // ceil(7334 ms x 6000 µ$/min / 60000)
    expect(data.text).toMatch(/^\[Simulated transcript of 7\.33 s of audio\] \w/);
    expect((data as unknown as { usage: object }).usage).toEqual({
      type: "duration",
      seconds: 7.334,
      cost: 0.000734,
      cost_micro_usd: 734,
      cost_source: "provider",
    });
    const m = await moneyState(app.db, a.accountId);
    expect(m).toMatchObject({ balanceMicroUsd: START - expected, reservedMicroUsd: 0n, auditOk: true });
    expect(m.usage[0]).toMatchObject({ modality: "stt", audioMs: 7334, costMicroUsd: expected, requestId: response.headers.get("x-request-id") });

    // Same file again: same deterministic text.
    const again = await client.audio.transcriptions.create({ file: await toFile(wav, "a.wav"), model: "local/stt-sim" });
    expect(again.text).toBe(data.text);
  });

  it("supports verbose_json, text, srt and vtt", async () => {
    const a = await mediaAccount(app.db);
    const client = sdkClient(a.secret);
    const verbose = await client.audio.transcriptions.create({ file: await toFile(wav, "a.wav"), model: "local/stt-sim", response_format: "verbose_json" });
    expect(verbose.duration).toBe(7.334);
    expect(verbose.segments?.map((s) => [s.start, s.end])).toEqual([
      [0, 5],
      [5, 7.334],
    ]);
    const text = await client.audio.transcriptions.create({ file: await toFile(wav, "a.wav"), model: "local/stt-sim", response_format: "text" });
    expect(text).toMatch(/^\[Simulated transcript/);
    const srt = await client.audio.transcriptions.create({ file: await toFile(wav, "a.wav"), model: "local/stt-sim", response_format: "srt" }).withResponse();
    expect(srt.data).toMatch(/^1\n00:00:00,000 --> 00:00:05,000\n/);
    expect(srt.response.headers.get("x-cost-micro-usd")).toBe("734");
    const vtt = await client.audio.transcriptions.create({ file: await toFile(wav, "a.wav"), model: "local/stt-sim", response_format: "vtt" });
    expect(vtt).toMatch(/^WEBVTT/);
    expect((await moneyState(app.db, a.accountId)).balanceMicroUsd).toBe(START - 4n * 734n);
  });

  it("measures MP3 and FLAC uploads from their frames", async () => {
    const a = await mediaAccount(app.db);
    const client = sdkClient(a.secret);
    const mp3 = await client.audio.transcriptions.create({
      file: await toFile(writeSilentMp3(500), "a.mp3"),
      model: "local/stt-sim",
      response_format: "verbose_json",
    });
    expect(mp3.duration).toBe(12); // 500 frames x 1152 samples / 48 kHz
    const flac = await client.audio.transcriptions.create({
      file: await toFile(encodeFlac(samples, 24_000), "a.flac"),
      model: "local/stt-sim",
      response_format: "verbose_json",
    });
    expect(flac.duration).toBe(7.334);
    expect((await moneyState(app.db, a.accountId)).balanceMicroUsd).toBe(START - sttCost(12_000) - sttCost(7334));
  });

  it("refuses truncated, undecodable, oversize and wrongly sent uploads, charging nothing", async () => {
    const a = await mediaAccount(app.db);
    const client = sdkClient(a.secret);
    const fail = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e) => e as InstanceType<typeof APIError>,
      );

    const truncated = await fail(client.audio.transcriptions.create({ file: await toFile(wav.subarray(0, 100_000), "a.wav"), model: "local/stt-sim" }));
    expect([truncated?.status, (truncated?.error as any).param]).toEqual([400, "file"]);
    expect((truncated?.error as any).message).toMatch(/truncated/);
    const mp3Cut = await fail(
      client.audio.transcriptions.create({ file: await toFile(writeSilentMp3(50).subarray(0, 5000), "a.mp3"), model: "local/stt-sim" }),
    );
    expect(mp3Cut?.status).toBe(400);
    const junk = await fail(client.audio.transcriptions.create({ file: await toFile(Buffer.from("definitely not audio"), "a.wav"), model: "local/stt-sim" }));
    expect([junk?.status, (junk?.error as any).message]).toEqual([400, expect.stringMatching(/could not be decoded/)]);
    const empty = await fail(client.audio.transcriptions.create({ file: await toFile(Buffer.alloc(0), "a.wav"), model: "local/stt-sim" }));
    expect(empty?.status).toBe(400);
    const badFormat = await fail(
      client.audio.transcriptions.create({ file: await toFile(wav, "a.wav"), model: "local/stt-sim", response_format: "xml" as never }),
    );
    expect([badFormat?.status, (badFormat?.error as any).param]).toEqual([400, "response_format"]);
    const wrongModel = await fail(client.audio.transcriptions.create({ file: await toFile(wav, "a.wav"), model: "local/tts-sim" }));
    expect(wrongModel?.status).toBe(400);

    // 25 MiB + 1 byte of (otherwise valid) WAV: 413 from the file-size rule.
    const big = encodeWav(new Int16Array((25 * 1024 * 1024 - 44) / 2 + 1), 48_000);
    const tooBig = await fail(client.audio.transcriptions.create({ file: await toFile(big, "big.wav"), model: "local/stt-sim" }));
    expect([tooBig?.status, (tooBig?.error as any).code]).toEqual([413, "payload_too_large"]);
    // A body past the multipart limit is cut off while reading.
    const huge = await fail(client.audio.transcriptions.create({ file: await toFile(Buffer.alloc(27 * 1024 * 1024), "huge.wav"), model: "local/stt-sim" }));
    expect(huge?.status).toBe(413);

    const json = await rawCall("/v1/audio/transcriptions", {
      method: "POST",
      key: a.secret,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "local/stt-sim" }),
    });
    expect([json.status, json.body.error.code]).toEqual([415, "unsupported_media_type"]);
    const form = new FormData();
    form.set("model", "local/stt-sim");
    const noFile = await rawCall("/v1/audio/transcriptions", { method: "POST", key: a.secret, body: form });
    expect([noFile.status, noFile.body.error.param]).toEqual([400, "file"]);
    form.set("file", "not a file part");
    expect((await rawCall("/v1/audio/transcriptions", { method: "POST", key: a.secret, body: form })).status).toBe(400);
    const noModel = new FormData();
    noModel.set("file", new Blob([new Uint8Array(wav)]), "a.wav");
    const nm = await rawCall("/v1/audio/transcriptions", { method: "POST", key: a.secret, body: noModel });
    expect([nm.status, nm.body.error.param]).toEqual([400, "model"]);

    const m = await moneyState(app.db, a.accountId);
    expect(m).toMatchObject({ balanceMicroUsd: START, reservedMicroUsd: 0n, auditOk: true });
    expect(m.usageEntries).toHaveLength(0);
  });

  it("402s from the measured duration, before any transcription work", async () => {
    const a = await mediaAccount(app.db, { availableMicroUsd: 733n });
    const err = await sdkClient(a.secret)
      .audio.transcriptions.create({ file: await toFile(wav, "a.wav"), model: "local/stt-sim", duration: "0.1" } as never)
      .catch((e) => e);
    expect([err.status, err.error.code]).toEqual([402, "insufficient_quota"]);
    expect(err.error.message).toMatch(/\$0\.000734/);
    const m = await moneyState(app.db, a.accountId);
    expect(m).toMatchObject({ balanceMicroUsd: 733n, reservedMicroUsd: 0n });
    expect(m.usageEntries).toHaveLength(0);
  });
});
