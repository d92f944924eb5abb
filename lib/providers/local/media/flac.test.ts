import { describe, expect, it } from "vitest";
import { encodeFlac } from "./flac";

/** MSB-first bit reader, to verify what the encoder's BitWriter produced. */
class BitReader {
  pos = 0; // in bits
  constructor(private readonly buf: Uint8Array) {}

  read(bits: number): number {
    let v = 0;
    for (let i = 0; i < bits; i++) {
      const byte = this.buf[this.pos >>> 3];
      if (byte === undefined) throw new RangeError("BitReader: past the end");
      v = v * 2 + ((byte >>> (7 - (this.pos & 7))) & 1);
      this.pos++;
    }
    return v;
  }

  readSigned(bits: number): number {
    const v = this.read(bits);
    return v >= 2 ** (bits - 1) ? v - 2 ** bits : v;
  }

  readUnary(): number {
    let n = 0;
    while (this.read(1) === 0) n++;
    return n;
  }

  alignToByte(): void {
    this.pos = (this.pos + 7) & ~7;
  }
}

// A reference decoder for what the encoder emits (FIXED subframes, one Rice partition),
// to prove the bitstream round-trips. ffmpeg decoded the same output bit-exactly in a
// manual check; it is not available in CI.
function decodeFlac(file: Uint8Array): { sampleRate: number; channels: number; samples: Int16Array } {
  const r = new BitReader(file);
  expect(String.fromCharCode(...file.subarray(0, 4))).toBe("fLaC");
  r.pos = 32;
  let last = 0;
  let sampleRate = 0,
    channels = 0,
    total = 0;
  while (!last) {
    last = r.read(1);
    const type = r.read(7);
    const len = r.read(24);
    const start = r.pos;
    if (type === 0) {
      r.read(16 + 16 + 24 + 24);
      sampleRate = r.read(20);
      channels = r.read(3) + 1;
      r.read(5);
      total = r.read(36);
    }
    r.pos = start + len * 8;
  }
  const out = new Int16Array(total * channels);
  let done = 0;
  while (done < total) {
    expect(r.read(14)).toBe(0b11111111111110);
    r.read(2);
    const bs = r.read(4);
    r.read(4 + 4 + 3 + 1);
    let lead = r.read(8);
    while ((lead & 0xc0) === 0xc0) {
      r.read(8);
      lead = (lead << 1) & 0xff;
    } // skip coded number
    const size = bs === 12 ? 4096 : bs === 7 ? r.read(16) + 1 : NaN;
    r.read(8); // crc-8
    for (let ch = 0; ch < channels; ch++) {
      r.read(1);
      const type = r.read(6);
      r.read(1);
      expect(type & 0b111000).toBe(0b001000);
      const order = type & 7;
      const x = new Array<number>(size);
      for (let i = 0; i < order; i++) x[i] = r.readSigned(16);
      expect(r.read(2)).toBe(0);
      expect(r.read(4)).toBe(0);
      const k = r.read(4);
      for (let n = order; n < size; n++) {
        const folded = r.readUnary() * 2 ** k + (k ? r.read(k) : 0);
        const res = folded & 1 ? -(folded + 1) / 2 : folded / 2;
        const p = [0, x[n - 1], 2 * x[n - 1] - x[n - 2], 3 * x[n - 1] - 3 * x[n - 2] + x[n - 3], 4 * x[n - 1] - 6 * x[n - 2] + 4 * x[n - 3] - x[n - 4]][order];
        x[n] = res + p;
      }
      for (let i = 0; i < size; i++) out[(done + i) * channels + ch] = x[i];
    }
    r.alignToByte();
    r.read(16);
    done += size;
  }
  return { sampleRate, channels, samples: out };
}

describe("FLAC encoder", () => {
  it("round-trips mono and stereo audio, including extremes and a short last block", () => {
    const mono = Int16Array.from({ length: 4096 * 2 + 123 }, (_, i) => Math.round(Math.sin(i / 9) * 20_000 + ((i * 7919) % 97)));
    const extremes = Int16Array.from({ length: 300 }, (_, i) => (i % 2 ? 32767 : -32768));
    const stereo = Int16Array.from({ length: 2 * 5000 }, (_, i) => (i % 2 ? -1 : 1) * ((i * 31) % 3000));
    for (const [samples, rate, ch] of [
      [mono, 24_000, 1],
      [extremes, 44_100, 1],
      [stereo, 48_000, 2],
    ] as const) {
      const decoded = decodeFlac(encodeFlac(samples, rate, ch));
      expect(decoded.sampleRate).toBe(rate);
      expect(decoded.channels).toBe(ch);
      expect([...decoded.samples]).toEqual([...samples]);
    }
  });
});
