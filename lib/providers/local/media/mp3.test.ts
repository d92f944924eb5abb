import { describe, expect, it } from "vitest";
import { measureMpegAudio, readMpegFrameHeader } from "@/lib/media/audio-duration/mp3";
import { encodeMp3 } from "./mp3";
import { SPEECH_SAMPLE_RATE, speechSampleCount, synthesizeSpeech } from "./speech";

describe("MP3 encoder", () => {
  it("writes MPEG layer III frames from the first byte whose duration covers the speech", async () => {
    const input = "hello there, general";
    const mp3 = await encodeMp3(synthesizeSpeech(input, { voice: "nova" }), SPEECH_SAMPLE_RATE);
    // Frame sync: 11 set bits at the start of the file.
    expect(mp3[0]).toBe(0xff);
    expect(mp3[1] & 0xe0).toBe(0xe0);
    expect(readMpegFrameHeader(mp3, 0)).toMatchObject({ layer: 3, sampleRate: 24_000, mono: true, samples: 576 });
    const m = measureMpegAudio(mp3);
    const expectedMs = (speechSampleCount(input) * 1000) / SPEECH_SAMPLE_RATE;
    expect(m).toMatchObject({ layer: 3, sampleRate: 24_000 });
    // LAME adds its encoder delay and pads the last frame: at most a few frames more.
    expect(m.durationMs).toBeGreaterThanOrEqual(expectedMs);
    expect(m.durationMs).toBeLessThanOrEqual(expectedMs + (4 * 576 * 1000) / 24_000);
  });

  it("is deterministic, and differs with the input", async () => {
    const a = await encodeMp3(synthesizeSpeech("abc"), SPEECH_SAMPLE_RATE);
    expect(a.equals(await encodeMp3(synthesizeSpeech("abc"), SPEECH_SAMPLE_RATE))).toBe(true);
    expect(a.equals(await encodeMp3(synthesizeSpeech("abd"), SPEECH_SAMPLE_RATE))).toBe(false);
  });

  it("yields to the event loop while it encodes a long input", async () => {
    const samples = synthesizeSpeech("hello world ".repeat(40)); // about 29 s of audio
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      const mp3 = await encodeMp3(samples, SPEECH_SAMPLE_RATE);
      expect(measureMpegAudio(mp3).frames).toBeGreaterThan(1000);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0); // timers ran during the encoding
  });
});
