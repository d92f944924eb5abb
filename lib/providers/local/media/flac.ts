import { createHash } from "node:crypto";
import { crc16 } from "@/lib/media/audio-duration/flac";
import { BitWriter } from "./bits";

// A small, real FLAC encoder for 16-bit audio: fixed-blocksize frames, each channel a
// FIXED-predictor subframe (order 0-4, whichever leaves the smallest residual) with
// Rice-coded residuals in one partition. No LPC, so it compresses less than libFLAC,
// but any FLAC decoder plays it, and STREAMINFO carries the exact sample count and MD5.

export const FLAC_BLOCK_SIZE = 4096;

const SAMPLE_RATE_CODES: Record<number, number> = {
  88_200: 1,
  176_400: 2,
  192_000: 3,
  8_000: 4,
  16_000: 5,
  22_050: 6,
  24_000: 7,
  32_000: 8,
  44_100: 9,
  48_000: 10,
  96_000: 11,
};

function crc8(bytes: Uint8Array): number {
  let c = 0;
  for (const b of bytes) {
    c ^= b;
    for (let i = 0; i < 8; i++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
  }
  return c;
}

/** FLAC's "UTF-8-like" coding of the frame number. */
function writeUtf8Number(w: BitWriter, n: number): void {
  if (n < 0x80) return w.write(n, 8);
  const bytes: number[] = [];
  let v = n;
  while (true) {
    bytes.unshift(0x80 | (v & 0x3f));
    v >>>= 6;
    const lead = bytes.length + 1; // total bytes if we stop here
    if (v < 1 << (7 - lead)) {
      w.write(((0xff << (8 - lead)) & 0xff) | v, 8);
      break;
    }
  }
  for (const b of bytes) w.write(b, 8);
}

// Residual of the order-k fixed polynomial predictor at sample n.
function fixedResidual(x: Int16Array | Int32Array, n: number, order: number): number {
  switch (order) {
    case 0:
      return x[n];
    case 1:
      return x[n] - x[n - 1];
    case 2:
      return x[n] - 2 * x[n - 1] + x[n - 2];
    case 3:
      return x[n] - 3 * x[n - 1] + 3 * x[n - 2] - x[n - 3];
    default:
      return x[n] - 4 * x[n - 1] + 6 * x[n - 2] - 4 * x[n - 3] + x[n - 4];
  }
}

function writeFixedSubframe(w: BitWriter, block: Int16Array, bps: number): void {
  let best = 0;
  let bestSum = Infinity;
  for (let order = 0; order <= Math.min(4, block.length - 1); order++) {
    let sum = 0;
    for (let n = order; n < block.length; n++) sum += Math.abs(fixedResidual(block, n, order));
    if (sum < bestSum) [best, bestSum] = [order, sum];
  }
  const count = block.length - best;
  // Rice parameter from the mean folded residual (≈ 2·mean |r|).
  const mean = count > 0 ? (2 * bestSum) / count : 0;
  const k = Math.min(14, mean > 1 ? Math.floor(Math.log2(mean)) : 0);

  w.write(0, 1); // padding
  w.write(0b001000 | best, 6); // SUBFRAME_FIXED, order
  w.write(0, 1); // no wasted bits
  for (let i = 0; i < best; i++) w.write(block[i] & ((1 << bps) - 1), bps); // warm-up
  w.write(0, 2); // residual coding: Rice, 4-bit parameters
  w.write(0, 4); // partition order 0: one partition
  w.write(k, 4);
  for (let n = best; n < block.length; n++) {
    const r = fixedResidual(block, n, best);
    const folded = r >= 0 ? 2 * r : -2 * r - 1;
    w.writeUnary(Math.floor(folded / 2 ** k));
    if (k > 0) w.write(folded & ((1 << k) - 1), k);
  }
}

/** Encodes mono or interleaved multi-channel 16-bit samples as a FLAC file. */
export function encodeFlac(samples: Int16Array, sampleRate: number, channels = 1): Buffer {
  if (channels < 1 || channels > 8 || samples.length % channels !== 0) throw new RangeError("bad channel layout");
  if (sampleRate < 1 || sampleRate > 655_350) throw new RangeError("bad sample rate");
  const bps = 16;
  const totalFrames = samples.length / channels;
  const frames: Uint8Array[] = [];
  let minFrame = Infinity;
  let maxFrame = 0;

  for (let start = 0, index = 0; start < totalFrames; start += FLAC_BLOCK_SIZE, index++) {
    const size = Math.min(FLAC_BLOCK_SIZE, totalFrames - start);
    const w = new BitWriter(size * channels * 2 + 64);
    w.write(0b11111111111110, 14); // sync
    w.write(0, 1); // reserved
    w.write(0, 1); // fixed-blocksize stream
    w.write(size === FLAC_BLOCK_SIZE ? 12 : 7, 4); // 4096, or 16-bit (size-1) at end of header
    const rateCode = SAMPLE_RATE_CODES[sampleRate] ?? 0; // 0: take it from STREAMINFO
    w.write(rateCode, 4);
    w.write(channels - 1, 4); // independent channels
    w.write(4, 3); // 16 bits per sample
    w.write(0, 1); // reserved
    writeUtf8Number(w, index);
    if (size !== FLAC_BLOCK_SIZE) w.write(size - 1, 16);
    const headerBytes = w.bytes();
    w.write(crc8(headerBytes), 8);

    for (let ch = 0; ch < channels; ch++) {
      const block = new Int16Array(size);
      for (let i = 0; i < size; i++) block[i] = samples[(start + i) * channels + ch];
      writeFixedSubframe(w, block, bps);
    }
    w.alignToByte();
    w.write(crc16(w.bytes()), 16);
    const frame = w.bytes().slice();
    minFrame = Math.min(minFrame, frame.length);
    maxFrame = Math.max(maxFrame, frame.length);
    frames.push(frame);
  }

  const pcm = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) pcm.writeInt16LE(samples[i], i * 2);
  const md5 = createHash("md5").update(pcm).digest();

  const info = new BitWriter(38);
  info.write(1, 1); // last metadata block
  info.write(0, 7); // STREAMINFO
  info.write(34, 24);
  info.write(FLAC_BLOCK_SIZE, 16); // min block size (the last block may be shorter: allowed)
  info.write(FLAC_BLOCK_SIZE, 16);
  info.write(frames.length ? minFrame : 0, 24);
  info.write(maxFrame, 24);
  info.write(sampleRate, 20);
  info.write(channels - 1, 3);
  info.write(bps - 1, 5);
  info.write(totalFrames, 36);
  const head = Buffer.concat([Buffer.from("fLaC", "latin1"), info.bytes(), md5]);
  return Buffer.concat([head, ...frames]);
}
