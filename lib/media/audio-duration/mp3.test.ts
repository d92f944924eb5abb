import { describe, expect, it } from "vitest";
import { writeSilentMp3 } from "@/tests/helpers/mp3";
import { looksLikeMpegAudio, measureMpegAudio, readMpegFrameHeader } from "./mp3";

describe("MPEG audio", () => {
  it("writes frames a parser recognises and measures them exactly", () => {
    const mp3 = writeSilentMp3(250); // 250 x 1152 samples at 48 kHz = 6 s
    expect(readMpegFrameHeader(mp3, 0)).toEqual({ version: 1, layer: 3, sampleRate: 48_000, samples: 1152, length: 384, mono: true });
    expect(looksLikeMpegAudio(mp3)).toBe(true);
    expect(measureMpegAudio(mp3)).toEqual({ durationMs: 6000, frames: 250, sampleRate: 48_000, layer: 3 });
  });

  it("skips ID3v2 tags and accepts a trailing ID3v1 tag", () => {
    const id3 = Buffer.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 5]);
    const v1 = Buffer.concat([Buffer.from("TAG"), Buffer.alloc(125)]);
    expect(measureMpegAudio(Buffer.concat([id3, writeSilentMp3(10), v1])).frames).toBe(10);
  });

  it("refuses a file cut inside a frame, or followed by junk", () => {
    const mp3 = writeSilentMp3(10);
    expect(() => measureMpegAudio(mp3.subarray(0, mp3.length - 1))).toThrow(/truncated: its last frame needs 384 bytes but only 383/);
    expect(() => measureMpegAudio(Buffer.concat([mp3, Buffer.from("garbage!")]))).toThrow(/corrupt/);
    expect(looksLikeMpegAudio(Buffer.from("not audio"))).toBe(false);
  });

  it("refuses a file shorter than its Xing header announces", () => {
    const frames = writeSilentMp3(11);
    // First frame becomes an Info header announcing 20 frames (mono MPEG-1: after 17 bytes of side info).
    frames.write("Info", 4 + 17, "latin1");
    frames.writeUInt32BE(1, 4 + 17 + 4); // flags: frame count present
    frames.writeUInt32BE(20, 4 + 17 + 8);
    expect(() => measureMpegAudio(frames)).toThrow(/announces 20 frames but only 10/);
    frames.writeUInt32BE(10, 4 + 17 + 8);
    expect(measureMpegAudio(frames)).toMatchObject({ frames: 10, durationMs: 240 });
  });
});
