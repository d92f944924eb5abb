import { AudioDecodeError } from "./errors";

// MPEG audio (MP3, and Layer I/II) measured by walking its frames: the duration is the
// number of audio frames actually present x samples per frame / sample rate, and a file
// whose last frame is cut short (or shorter than its Xing/Info header says) is truncated.

const BITRATES_KBPS: Record<string, number[]> = {
  "1-1": [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  "1-2": [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  "1-3": [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  "2-1": [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  "2-2": [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  "2-3": [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const SAMPLE_RATES: Record<number, number[]> = { 1: [44100, 48000, 32000], 2: [22050, 24000, 16000], 25: [11025, 12000, 8000] };

export type MpegFrame = { version: 1 | 2 | 25; layer: 1 | 2 | 3; sampleRate: number; samples: number; length: number; mono: boolean };

/** Parses the 4-byte frame header at `off`, or null if there is none. */
export function readMpegFrameHeader(b: Uint8Array, off: number): MpegFrame | null {
  if (off + 4 > b.length || b[off] !== 0xff || (b[off + 1] & 0xe0) !== 0xe0) return null;
  const v = (b[off + 1] >> 3) & 3;
  const l = (b[off + 1] >> 1) & 3;
  const bri = b[off + 2] >> 4;
  const sri = (b[off + 2] >> 2) & 3;
  if (v === 1 || l === 0 || bri === 0 || bri === 15 || sri === 3) return null; // reserved / free-format / bad
  const version = v === 3 ? 1 : v === 2 ? 2 : 25;
  const layer = (4 - l) as 1 | 2 | 3;
  const kbps = BITRATES_KBPS[`${version === 1 ? 1 : 2}-${layer}`][bri];
  const sampleRate = SAMPLE_RATES[version][sri];
  const padding = (b[off + 2] >> 1) & 1;
  const samples = layer === 1 ? 384 : layer === 2 || version === 1 ? 1152 : 576;
  const length = layer === 1 ? (Math.floor((12 * kbps * 1000) / sampleRate) + padding) * 4 : Math.floor(((samples / 8) * kbps * 1000) / sampleRate) + padding;
  return { version, layer, sampleRate, samples, length, mono: b[off + 3] >> 6 === 3 };
}

function id3v2Size(b: Uint8Array, off: number): number {
  if (off + 10 > b.length || b[off] !== 0x49 || b[off + 1] !== 0x44 || b[off + 2] !== 0x33) return 0;
  const size = ((b[off + 6] & 0x7f) << 21) | ((b[off + 7] & 0x7f) << 14) | ((b[off + 8] & 0x7f) << 7) | (b[off + 9] & 0x7f);
  return 10 + size + (b[off + 5] & 0x10 ? 10 : 0);
}

/** Bytes of leading ID3v2 tags (there may be several). */
export function skipId3v2(b: Uint8Array): number {
  let off = 0;
  for (let n = id3v2Size(b, off); n > 0; n = id3v2Size(b, off)) off += n;
  return off;
}

function ascii(b: Uint8Array, off: number, len: number): string {
  return off + len <= b.length ? String.fromCharCode(...b.subarray(off, off + len)) : "";
}

export function looksLikeMpegAudio(b: Uint8Array): boolean {
  const start = skipId3v2(b);
  const first = readMpegFrameHeader(b, start);
  if (!first) return false;
  // One header can be chance; two in a row, or one filling the whole file, is MPEG audio.
  return start + first.length >= b.length || readMpegFrameHeader(b, start + first.length) !== null;
}

export function measureMpegAudio(b: Uint8Array): { durationMs: number; frames: number; sampleRate: number; layer: number } {
  let off = skipId3v2(b);
  if (off > b.length) throw new AudioDecodeError("MP3 file is truncated inside its ID3v2 tag");
  const first = readMpegFrameHeader(b, off);
  if (!first) throw new AudioDecodeError("not an MPEG audio file (no frame header after the tags)");

  // A Xing/Info (LAME) header in the first frame: not audio, but says how many frames follow.
  const sideInfo = first.version === 1 ? (first.mono ? 17 : 32) : first.mono ? 9 : 17;
  const tag = ascii(b, off + 4 + sideInfo, 4);
  let declaredFrames: number | null = null;
  let frames = 0;
  let samples = 0;
  if (tag === "Xing" || tag === "Info") {
    const flagsAt = off + 8 + sideInfo;
    if (flagsAt + 8 <= b.length && b[flagsAt + 3] & 1) {
      declaredFrames = ((b[flagsAt + 4] << 24) | (b[flagsAt + 5] << 16) | (b[flagsAt + 6] << 8) | b[flagsAt + 7]) >>> 0;
    }
    off += first.length;
  }

  for (;;) {
    const h = readMpegFrameHeader(b, off);
    if (!h) break;
    if (h.sampleRate !== first.sampleRate) throw new AudioDecodeError("MP3 file changes sample rate mid-stream; it is corrupt");
    if (off + h.length > b.length) {
      throw new AudioDecodeError(`MP3 file is truncated: its last frame needs ${h.length} bytes but only ${b.length - off} remain`);
    }
    frames++;
    samples += h.samples;
    off += h.length;
  }
  // Whatever follows the last frame must be a known trailing tag, or nothing.
  const rest = b.length - off;
  const trailer = rest === 0 || ascii(b, off, 3) === "TAG" || ascii(b, off, 8) === "APETAGEX" || ascii(b, off, 11) === "LYRICSBEGIN";
  if (!trailer && rest >= 4) throw new AudioDecodeError("MP3 file is corrupt: data after the last valid frame is not audio");
  if (!trailer && rest > 0) throw new AudioDecodeError("MP3 file is truncated inside a frame header");
  if (declaredFrames !== null && frames < declaredFrames) {
    throw new AudioDecodeError(`MP3 file is truncated: its header announces ${declaredFrames} frames but only ${frames} are present`);
  }
  if (frames === 0) throw new AudioDecodeError("MP3 file contains no audio frames");
  return { durationMs: Math.ceil((samples * 1000) / first.sampleRate), frames, sampleRate: first.sampleRate, layer: first.layer };
}
