import { AudioDecodeError } from "./errors";

// FLAC measured from the stream itself: STREAMINFO gives the sample rate and total
// samples, and the last frame (found backwards from the end, accepted only if its header
// CRC-8 and whole-frame CRC-16 check) proves the audio really runs that far. A file cut
// short fails the CRC or ends before the announced total: truncated, 400.

/** CRC-16 (polynomial 0x8005, MSB-first) as FLAC frame footers require it. */
export function crc16(bytes: Uint8Array): number {
  let c = 0;
  for (const b of bytes) {
    c ^= b << 8;
    for (let i = 0; i < 8; i++) c = c & 0x8000 ? ((c << 1) ^ 0x8005) & 0xffff : (c << 1) & 0xffff;
  }
  return c;
}

function crc8(b: Uint8Array, from: number, to: number): number {
  let c = 0;
  for (let i = from; i < to; i++) {
    c ^= b[i];
    for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
  }
  return c;
}

type StreamInfo = { minBlock: number; maxFrame: number; sampleRate: number; totalSamples: number; audioStart: number };

function readStreamInfo(b: Uint8Array, start: number): StreamInfo {
  let off = start + 4; // after "fLaC"
  let info: Omit<StreamInfo, "audioStart"> | undefined;
  for (;;) {
    if (off + 4 > b.length) throw new AudioDecodeError("FLAC file is truncated inside its metadata");
    const last = b[off] & 0x80;
    const type = b[off] & 0x7f;
    const len = (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3];
    const body = off + 4;
    if (body + len > b.length) throw new AudioDecodeError("FLAC file is truncated inside its metadata");
    if (type === 0) {
      if (len < 34) throw new AudioDecodeError("FLAC STREAMINFO block is too short");
      const sampleRate = (b[body + 10] << 12) | (b[body + 11] << 4) | (b[body + 12] >> 4);
      const totalSamples = (b[body + 13] & 0x0f) * 2 ** 32 + (((b[body + 14] << 24) | (b[body + 15] << 16) | (b[body + 16] << 8) | b[body + 17]) >>> 0);
      info = {
        minBlock: (b[body] << 8) | b[body + 1],
        maxFrame: (b[body + 7] << 16) | (b[body + 8] << 8) | b[body + 9],
        sampleRate,
        totalSamples,
      };
    }
    off = body + len;
    if (last) break;
  }
  if (!info) throw new AudioDecodeError("FLAC file has no STREAMINFO block");
  if (info.sampleRate === 0) throw new AudioDecodeError("FLAC STREAMINFO has an invalid sample rate");
  return { ...info, audioStart: off };
}

/** First sample and block size of a frame at `p` whose header CRC-8 checks, else null. */
function readFrameHeader(b: Uint8Array, p: number, info: StreamInfo): { first: number; size: number } | null {
  if (p + 6 > b.length || b[p] !== 0xff || (b[p + 1] & 0xfe) !== 0xf8) return null;
  const variable = b[p + 1] & 1;
  const bsCode = b[p + 2] >> 4;
  const srCode = b[p + 2] & 0x0f;
  if (bsCode === 0 || srCode === 15 || b[p + 3] >> 4 >= 11 || b[p + 3] & 1) return null;
  let q = p + 4;
  // UTF-8-style coded number: frame number (fixed blocking) or sample number (variable).
  const lead = b[q];
  let extra = 0;
  let num: number;
  if (lead < 0x80) num = lead;
  else {
    let mask = 0x40;
    while (lead & mask) {
      extra++;
      mask >>= 1;
    }
    if (extra === 0 || extra > 6) return null;
    num = lead & (mask - 1);
    for (let i = 1; i <= extra; i++) {
      const c = b[q + i];
      if (c === undefined || (c & 0xc0) !== 0x80) return null;
      num = num * 64 + (c & 0x3f);
    }
  }
  q += 1 + extra;
  let size: number;
  if (bsCode === 1) size = 192;
  else if (bsCode <= 5) size = 576 << (bsCode - 2);
  else if (bsCode === 6) size = b[q++] + 1;
  else if (bsCode === 7) {
    size = ((b[q] << 8) | b[q + 1]) + 1;
    q += 2;
  } else size = 256 << (bsCode - 8);
  if (srCode === 12) q += 1;
  else if (srCode === 13 || srCode === 14) q += 2;
  if (q >= b.length || crc8(b, p, q) !== b[q]) return null;
  return { first: variable ? num : num * info.minBlock, size };
}

export function measureFlac(b: Uint8Array, start = 0): { durationMs: number; totalSamples: number; sampleRate: number } {
  const info = readStreamInfo(b, start);
  let end = b.length;
  if (end - 128 >= info.audioStart && String.fromCharCode(b[end - 128], b[end - 127], b[end - 126]) === "TAG") end -= 128; // ID3v1
  if (end - info.audioStart < 8) throw new AudioDecodeError("FLAC file contains no audio frames");

  // Search backwards for the last frame: the one whose CRC-16 covers exactly up to EOF.
  const window = info.maxFrame > 0 ? info.maxFrame + 64 : 16 * 1024 * 1024;
  const stored = (b[end - 2] << 8) | b[end - 1];
  let lastEnd = -1;
  for (let p = end - 8; p >= Math.max(info.audioStart, end - window); p--) {
    if (b[p] !== 0xff || (b[p + 1] & 0xfe) !== 0xf8) continue;
    const h = readFrameHeader(b, p, info);
    if (h && crc16(b.subarray(p, end - 2)) === stored) {
      lastEnd = h.first + h.size;
      break;
    }
  }
  if (lastEnd < 0) throw new AudioDecodeError("FLAC file is truncated or corrupt: its last frame is incomplete");
  let samples = lastEnd;
  if (info.totalSamples > 0) {
    if (lastEnd < info.totalSamples) {
      throw new AudioDecodeError(`FLAC file is truncated: it announces ${info.totalSamples} samples but its audio ends at ${lastEnd}`);
    }
    samples = info.totalSamples; // the last block may be padded past the announced end
  }
  return { durationMs: Math.ceil((samples * 1000) / info.sampleRate), totalSamples: samples, sampleRate: info.sampleRate };
}
