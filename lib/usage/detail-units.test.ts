import { describe, expect, it } from "vitest";
import { unitRows } from "./detail-units";

const zero = { inputTokens: 0, outputTokens: 0, images: 0, videoSeconds: 0, characters: 0, audioMs: 0 };

describe("a request detail's unit rows (issue 23: not every unit type at 0)", () => {
  it("a chat lists its tokens only", () => {
    expect(unitRows({ ...zero, modality: "chat", inputTokens: 12n, outputTokens: 0n }).map((r) => r[0])).toEqual(["Input tokens", "Output tokens"]);
  });
  it("an image lists images, and tokens only when it was billed for them", () => {
    expect(unitRows({ ...zero, modality: "image", images: 2 }).map((r) => r[0])).toEqual(["Images"]);
    expect(unitRows({ ...zero, modality: "image", images: 1, inputTokens: 30 }).map((r) => r[0])).toEqual(["Input tokens", "Images"]);
  });
  it("speech, transcription and video list their own unit", () => {
    expect(unitRows({ ...zero, modality: "tts", characters: 40n }).map((r) => r[0])).toEqual(["Characters"]);
    expect(unitRows({ ...zero, modality: "stt", audioMs: 61_000n })).toEqual([["Audio", "61,000 ms (1.016 min)", "detail-audio"]]);
    expect(unitRows({ ...zero, modality: "video", videoSeconds: 4 }).map((r) => r[0])).toEqual(["Video seconds"]);
  });
});
