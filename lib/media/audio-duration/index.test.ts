import { describe, expect, it } from "vitest";
import { encodeFlac } from "@/lib/providers/local/media/flac";
import { writeSilentMp3 } from "@/tests/helpers/mp3";
import { encodeWav } from "@/lib/providers/local/media/wav";
import { AudioDecodeError, probeAudio } from ".";

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
