import { describe, expect, it } from "vitest";
import { simulateTranscript, toSrt, toVtt } from "./transcribe";

describe("transcription simulator", () => {
  it("is deterministic per file and scaled to the duration", () => {
    const a = simulateTranscript(Buffer.from("file-a"), 12_000);
    expect(a).toEqual(simulateTranscript(Buffer.from("file-a"), 12_000));
    expect(a.text).not.toBe(simulateTranscript(Buffer.from("file-b"), 12_000).text);
    expect(a.text.startsWith("[Simulated transcript of 12.00 s of audio]")).toBe(true);
    expect(a.segments.map((s) => [s.start, s.end])).toEqual([
      [0, 5],
      [5, 10],
      [10, 12],
    ]);
    expect(toSrt(a)).toContain("00:00:10,000 --> 00:00:12,000");
    expect(toVtt(a).startsWith("WEBVTT\n\n00:00:00.000 --> 00:00:05.000")).toBe(true);
  });
});
