import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toFile } from "openai";
import { encodeWav } from "@/lib/providers/local/media/wav";
import { sdkClient } from "@/tests/helpers/app-fetch";
import { mediaAccount, moneyState } from "@/tests/helpers/media";
import { integrationApp } from "@/tests/helpers/fixture";

// Image, speech and transcription models served by an OpenAI-compatible upstream (a
// small fake on loopback): requests are forwarded with the upstream's model id, and
// billing uses OUR units (images returned, characters sent, audio measured by us).

type Seen = { path: string; auth: string | undefined; contentType: string | undefined; body: Buffer };
const app = integrationApp();
let server: http.Server;
const seen: Seen[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c) => parts.push(c));
    req.on("end", () => {
      const body = Buffer.concat(parts);
      seen.push({ path: req.url!, auth: req.headers.authorization, contentType: req.headers["content-type"], body });
      if (req.url === "/v1/images/generations") {
        const n = JSON.parse(body.toString()).n;
        // Answers one image more than asked: we must neither return nor bill it.
        const data = Array.from({ length: n + 1 }, (_, i) => ({ b64_json: Buffer.from(`img${i}`).toString("base64"), revised_prompt: "upstream says" }));
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ created: 1, data }));
      } else if (req.url === "/v1/audio/speech") {
        res.writeHead(200, { "content-type": "audio/mpeg" }).end(Buffer.from("ID3-fake-mp3-bytes"));
      } else if (req.url === "/v1/audio/transcriptions") {
        // Claims a 1-second duration: irrelevant, we measured the file.
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ text: "upstream transcript", duration: 1 }));
      } else res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  process.env.UPSTREAM_BASE_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  process.env.UPSTREAM_API_KEY = "up-key";
  process.env.UPSTREAM_MODELS = JSON.stringify([
    {
      id: "up/image",
      modality: "image",
      upstreamModel: "img-model",
      pricing: { microUsdPerImage: 40_000 },
      limits: { maxImagesPerRequest: 2, sizes: ["1024x1024"] },
    },
    { id: "up/tts", modality: "tts", upstreamModel: "tts-model", pricing: { microUsdPerCharacter: 30 } },
    { id: "up/stt", modality: "stt", upstreamModel: "stt-model", pricing: { microUsdPerMinute: 12_000 } },
  ]);
});
afterAll(async () => {
  for (const k of ["UPSTREAM_BASE_URL", "UPSTREAM_API_KEY", "UPSTREAM_MODELS"]) delete process.env[k];
  await new Promise((r) => server.close(r));
});

describe(`media through an OpenAI-compatible upstream (${process.env.TEST_DB ?? "postgres"})`, () => {
  it("images: forwarded with the upstream model id; only the n images asked for are returned and billed", async () => {
    const a = await mediaAccount(app.db);
    const res = await sdkClient(a.secret).images.generate({ model: "up/image", prompt: "a fox", n: 2 });
    expect(res.data?.map((d) => Buffer.from(d.b64_json!, "base64").toString())).toEqual(["img0", "img1"]);
    expect((res.usage as unknown as { cost_micro_usd: number }).cost_micro_usd).toBe(80_000);
    const sent = seen.find((s) => s.path === "/v1/images/generations")!;
    expect(sent.auth).toBe("Bearer up-key");
    // As the client sent it: no size or response_format added (gpt-image models refuse response_format).
    expect(JSON.parse(sent.body.toString())).toEqual({ model: "img-model", prompt: "a fox", n: 2 });
    expect((await moneyState(app.db, a.accountId)).balanceMicroUsd).toBe(10_000_000n - 80_000n);
  });

  it("speech: the upstream's audio passes through, billed per character", async () => {
    const a = await mediaAccount(app.db);
    const res = await sdkClient(a.secret).audio.speech.create({ model: "up/tts", input: "hello", voice: "alloy" });
    expect(res.headers.get("content-type")).toBe("audio/mpeg");
    expect(Buffer.from(await res.arrayBuffer()).toString()).toBe("ID3-fake-mp3-bytes");
    expect(res.headers.get("x-cost-micro-usd")).toBe("150");
    expect(JSON.parse(seen.find((s) => s.path === "/v1/audio/speech")!.body.toString())).toEqual({ model: "tts-model", input: "hello", voice: "alloy" });
  });

  it("transcription: the file is forwarded, but billed on our measurement, not the upstream's", async () => {
    const a = await mediaAccount(app.db);
    const wav = encodeWav(new Int16Array(16_000 * 30), 16_000); // 30 s
    const res = await sdkClient(a.secret).audio.transcriptions.create({ file: await toFile(wav, "a.wav"), model: "up/stt", language: "en" });
    expect(res.text).toBe("upstream transcript");
    expect((res as unknown as { usage: { cost_micro_usd: number } }).usage.cost_micro_usd).toBe(6_000); // 30 s at $0.012/min
    const sent = seen.find((s) => s.path === "/v1/audio/transcriptions")!;
    expect(sent.contentType).toMatch(/^multipart\/form-data/);
    const form = await new Response(new Uint8Array(sent.body), { headers: { "content-type": sent.contentType! } }).formData();
    expect([form.get("model"), form.get("language"), (form.get("file") as File).size]).toEqual(["stt-model", "en", wav.length]);
    expect((await moneyState(app.db, a.accountId)).balanceMicroUsd).toBe(10_000_000n - 6_000n);
  });
});
