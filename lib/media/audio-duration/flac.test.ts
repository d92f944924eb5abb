import { describe, expect, it } from "vitest";
import { encodeFlac } from "@/lib/providers/local/media/flac";
import { measureFlac } from "./flac";

describe("FLAC duration", () => {
  it("is measured exactly, and a truncated copy is refused", () => {
    const samples = new Int16Array(24_000 * 2 + 1).map((_, i) => (i * 13) % 2000);
    const flac = encodeFlac(samples, 24_000);
    expect(measureFlac(flac)).toEqual({ durationMs: 2001, totalSamples: 48_001, sampleRate: 24_000 });
    expect(() => measureFlac(flac.subarray(0, flac.length - 10))).toThrow(/truncated/);
    expect(() => measureFlac(flac.subarray(0, Math.floor(flac.length / 2)))).toThrow(/truncated/);
    expect(() => measureFlac(flac.subarray(0, 30))).toThrow(/truncated inside its metadata/);
  });
});
