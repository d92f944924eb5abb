import { describe, expect, it } from "vitest";
import { parseWav } from "@/lib/media/audio-duration/wav";
import { encodePcm16, encodeWav } from "./wav";
import { countCharacters, speechSampleCount, SPEECH_SAMPLE_RATE, synthesizeSpeech } from "./speech";

describe("PCM writer", () => {
  it("writes headerless little-endian PCM", () => {
    expect([...encodePcm16(Int16Array.from([1, -2]))]).toEqual([1, 0, 0xfe, 0xff]);
  });
});

describe("speech simulator", () => {
  it("is deterministic and proportional to the text", () => {
    const a = synthesizeSpeech("Hello, world 42!", { voice: "nova" });
    expect(a.length).toBe(countCharacters("Hello, world 42!") * 1440); // 60 ms at 24 kHz
    expect(a.length).toBe(speechSampleCount("Hello, world 42!"));
    expect(Buffer.from(synthesizeSpeech("Hello, world 42!", { voice: "nova" }).buffer).equals(Buffer.from(a.buffer))).toBe(true);
    expect(Buffer.from(synthesizeSpeech("Hello, world 42!", { voice: "onyx" }).buffer).equals(Buffer.from(a.buffer))).toBe(false);
    expect(synthesizeSpeech("ab", { speed: 2 }).length).toBe(1440);
    expect(a.some((s) => s !== 0)).toBe(true);
    expect(parseWav(encodeWav(a, SPEECH_SAMPLE_RATE)).durationMs).toBe(16 * 60);
  });

  it("counts code points, not UTF-16 units", () => {
    expect(countCharacters("héllo 👋")).toBe(7);
    expect(synthesizeSpeech("👋").length).toBe(1440);
  });
});
