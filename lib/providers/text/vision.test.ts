import { describe, expect, it } from "vitest";
import type { TextModel } from "@/lib/catalog";
import { renderImage } from "@/lib/providers/local/media/image";
import { encodeJpeg } from "@/lib/providers/local/media/jpeg";
import { imageDimensions, imageTokens, LOW_DETAIL_TOKENS, MAX_IMAGE_TOKENS, mediaInputTokens } from "./vision";

// OpenAI's published image-token formula, the header readers it needs, and the content-part
// check against what a model declares.

describe("image tokens (OpenAI's formula)", () => {
  it("matches the published examples", () => {
    expect(imageTokens("low", 4096, 8192)).toBe(85);
    expect(imageTokens("high", 1024, 1024)).toBe(765); // 768×768: 4 tiles
    expect(imageTokens("high", 2048, 4096)).toBe(1105); // 1024×2048 → 768×1536: 6 tiles
    expect(imageTokens("auto", 512, 512)).toBe(255); // small images are not scaled up: 1 tile
    expect(imageTokens(undefined, 768, 2048)).toBe(MAX_IMAGE_TOKENS);
  });

  it("never exceeds the maximum reserved for URLs we do not download", () => {
    for (let w = 1; w <= 9000; w += 197) for (let h = 1; h <= 9000; h += 173) expect(imageTokens("high", w, h)).toBeLessThanOrEqual(MAX_IMAGE_TOKENS);
    expect(imageTokens("high")).toBe(MAX_IMAGE_TOKENS);
    expect(MAX_IMAGE_TOKENS).toBe(1445);
  });
});

describe("image dimensions from headers", () => {
  it("PNG, JPEG, GIF and WebP", () => {
    expect(imageDimensions(renderImage("x", 300, 200, 0).png)).toEqual({ width: 300, height: 200 });
    const gif = Buffer.from("474946383961" + "2c01" + "c800", "hex");
    expect(imageDimensions(gif)).toEqual({ width: 300, height: 200 });
    const vp8x = Buffer.alloc(30);
    vp8x.write("RIFF", 0, "latin1");
    vp8x.write("WEBPVP8X", 8, "latin1");
    vp8x.writeUIntLE(299, 24, 3);
    vp8x.writeUIntLE(199, 27, 3);
    expect(imageDimensions(vp8x)).toEqual({ width: 300, height: 200 });
    expect(imageDimensions(Buffer.from("not an image"))).toBeNull();
  });

  it("JPEG from our own encoder", () => {
    const rgb = new Uint8Array(40 * 30 * 3);
    expect(imageDimensions(Buffer.from(encodeJpeg(40, 30, rgb)))).toEqual({ width: 40, height: 30 });
  });
});

describe("content parts against the model", () => {
  const vision = { id: "v", input: { images: true } } as TextModel;
  const textOnly = { id: "t" } as TextModel;
  const png = renderImage("x", 1024, 1024, 0).png.toString("base64");
  const parts = (...content: unknown[]) => [{ role: "user", content: [{ type: "text", text: "hi" }, ...content] }];

  it("adds the worst case of each image: from its header for data: URLs, the detail's maximum for http(s) URLs", () => {
    expect(mediaInputTokens(parts({ type: "image_url", image_url: { url: `data:image/png;base64,${png}` } }), vision)).toBe(765);
    expect(mediaInputTokens(parts({ type: "image_url", image_url: { url: "https://x.test/a.png", detail: "high" } }), vision)).toBe(MAX_IMAGE_TOKENS);
    expect(mediaInputTokens(parts({ type: "image_url", image_url: { url: "https://x.test/a.png", detail: "low" } }), vision)).toBe(LOW_DETAIL_TOKENS);
    expect(mediaInputTokens(parts(), textOnly)).toBe(0);
  });

  it("refuses parts the model does not take, naming the part", () => {
    expect(() => mediaInputTokens(parts({ type: "image_url", image_url: { url: "https://x.test/a.png" } }), textOnly)).toThrow(/does not take image input/);
    expect(() => mediaInputTokens(parts({ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }), vision)).toThrow(/does not take audio input/);
    expect(() => mediaInputTokens(parts({ type: "video" }), vision)).toThrow(/type 'video' are not supported/);
    try {
      mediaInputTokens(parts({ type: "image_url", image_url: { url: "x" } }), textOnly);
    } catch (e) {
      expect((e as { param: string }).param).toBe("messages[0].content[1]");
    }
  });

  it("audio input on a model that takes it: about 10 tokens per second, from the WAV header", () => {
    const audio = { id: "a", input: { audio: true } } as TextModel;
    const wav = Buffer.alloc(44 + 16_000 * 2 * 3); // 3 s of 16 kHz mono 16-bit
    wav.write("RIFF", 0, "latin1");
    wav.write("WAVE", 8, "latin1");
    wav.writeUInt32LE(32_000, 28);
    expect(mediaInputTokens(parts({ type: "input_audio", input_audio: { data: wav.toString("base64"), format: "wav" } }), audio)).toBe(40);
  });
});
