import { describe, expect, it } from "vitest";
import { probeAudio } from "./audio-probe";
import { AudioDecodeError } from "./errors";
import { encodeFlac } from "./flac";
import { writeSilentMp3 } from "./mp3";
import { encodeWav } from "./wav";
import { simulateTranscript, toSrt, toVtt } from "./transcribe";

describe("probeAudio", () => {
  it("measures WAV, FLAC and MP3 from their content", async () => {
    const pcm = new Int16Array(16_000 * 5 + 8); // 5.0005 s at 16 kHz
    expect(await probeAudio(encodeWav(pcm, 16_000))).toEqual({ durationMs: 5001, format: "wav" });
    expect(await probeAudio(encodeFlac(pcm, 16_000))).toEqual({ durationMs: 5001, format: "flac" });
    expect(await probeAudio(writeSilentMp3(125))).toEqual({ durationMs: 3000, format: "mp3" });
  });

  it("refuses empty, non-audio and truncated uploads with a decode error", async () => {
    const wav = encodeWav(new Int16Array(16_000), 16_000);
    for (const bytes of [
      new Uint8Array(0),
      Buffer.from("just some text, not audio"),
      wav.subarray(0, 2000),
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0]),
    ]) {
      await expect(probeAudio(bytes)).rejects.toBeInstanceOf(AudioDecodeError);
    }
  });

  it("checks MP4 and WebM containers for truncation", async () => {
    // ftyp box followed by an mdat box that claims more bytes than the file has.
    const ftyp = Buffer.from([0, 0, 0, 16, ...Buffer.from("ftypM4A "), 0, 0, 0, 0]);
    const mdat = Buffer.from([0, 0, 0x10, 0, ...Buffer.from("mdat"), 1, 2, 3]);
    await expect(probeAudio(Buffer.concat([ftyp, mdat]))).rejects.toThrow(/MP4\/M4A file is truncated/);
    // EBML header element (size 1) then a Segment claiming 0x100 bytes.
    const ebml = Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x81, 0x00, 0x18, 0x53, 0x80, 0x67, 0x41, 0x00, 1, 2]);
    await expect(probeAudio(ebml)).rejects.toThrow(/WebM\/Matroska file is truncated/);
  });
});

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
