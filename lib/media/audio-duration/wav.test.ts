import { describe, expect, it } from "vitest";
import { encodeWav } from "@/lib/providers/local/media/wav";
import { AudioDecodeError } from "./errors";
import { parseWav } from "./wav";

describe("WAV", () => {
  it("measures duration exactly from the data chunk", () => {
    const wav = encodeWav(new Int16Array(24_000 * 3 + 12), 24_000); // 3.0005 s
    const info = parseWav(wav);
    expect(info).toMatchObject({ formatCode: 1, channels: 1, sampleRate: 24_000, bitsPerSample: 16, frames: 72_012, durationMs: 3001 });
  });

  it("handles stereo, odd-sized chunks before fmt, and the streaming placeholder size", () => {
    const wav = encodeWav(new Int16Array(8000 * 2 * 2), 8000, 2); // 2 s stereo
    // Insert a 3-byte LIST chunk (padded to 4) before "fmt ".
    const extra = Buffer.from([...Buffer.from("LIST"), 3, 0, 0, 0, 1, 2, 3, 0]);
    const withList = Buffer.concat([wav.subarray(0, 12), extra, wav.subarray(12)]);
    expect(parseWav(withList).durationMs).toBe(2000);
    const streaming = Buffer.from(wav);
    streaming.writeUInt32LE(0xffffffff, 40);
    expect(parseWav(streaming).durationMs).toBe(2000);
  });

  it("rejects truncated and malformed files", () => {
    const wav = encodeWav(new Int16Array(24_000), 24_000);
    expect(() => parseWav(wav.subarray(0, wav.length - 100))).toThrow(/truncated: the data chunk declares 48000 bytes but only 47900/);
    expect(() => parseWav(wav.subarray(0, 30))).toThrow(AudioDecodeError);
    expect(() => parseWav(Buffer.from("RIFF....WAVE"))).toThrow(/no fmt chunk/);
    const bad = Buffer.from(wav);
    bad.writeUInt16LE(0x55, 20); // MP3-in-WAV
    expect(() => parseWav(bad)).toThrow(/format code 85 is not supported/);
    expect(() => parseWav(Buffer.from("hello"))).toThrow(/not a WAV/);
  });
});
