// A baseline JPEG encoder (JFIF, YCbCr 4:2:0, the standard Huffman tables of Annex K),
// written for the video simulator's thumbnails (its first frame). Float AAN DCT with the scale factors
// folded into the quantiser; blocks that are one flat colour skip the DCT entirely,
// which is most of a simulator frame.

const ZIGZAG = Uint8Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22,
  15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

// Annex K.1 tables, in natural (row-major) order.
const LUMA_Q = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103,
  77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const CHROMA_Q = [
  17,
  18,
  24,
  47,
  99,
  99,
  99,
  99,
  18,
  21,
  26,
  66,
  99,
  99,
  99,
  99,
  24,
  26,
  56,
  99,
  99,
  99,
  99,
  99,
  47,
  66,
  99,
  99,
  99,
  99,
  99,
  99,
  ...new Array(32).fill(99),
];

// Annex K.3: code-length counts (BITS) and symbols (HUFFVAL).
const DC_LUMA_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_LUMA_VALS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const DC_CHROMA_BITS = [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
const DC_CHROMA_VALS = DC_LUMA_VALS;
const AC_LUMA_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
const AC_LUMA_VALS = [
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42,
  0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35,
  0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67,
  0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
  0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
  0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4,
  0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
];
const AC_CHROMA_BITS = [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77];
const AC_CHROMA_VALS = [
  0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1,
  0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26, 0x27, 0x28, 0x29, 0x2a,
  0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66,
  0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96,
  0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
  0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4,
  0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
];

type HuffTable = { code: Uint16Array; size: Uint8Array };

// Annex C: canonical codes from the BITS/HUFFVAL lists.
function buildHuffman(bits: number[], vals: number[]): HuffTable {
  const code = new Uint16Array(256);
  const size = new Uint8Array(256);
  let k = 0;
  let c = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < bits[len - 1]; i++) {
      code[vals[k]] = c;
      size[vals[k]] = len;
      k++;
      c++;
    }
    c <<= 1;
  }
  return { code, size };
}

const HUFF = {
  dcY: buildHuffman(DC_LUMA_BITS, DC_LUMA_VALS),
  acY: buildHuffman(AC_LUMA_BITS, AC_LUMA_VALS),
  dcC: buildHuffman(DC_CHROMA_BITS, DC_CHROMA_VALS),
  acC: buildHuffman(AC_CHROMA_BITS, AC_CHROMA_VALS),
};

const AAN = [1, 1.387039845, 1.306562965, 1.175875602, 1, 0.785694958, 0.5411961, 0.275899379];

type Tables = { qY: Uint8Array; qC: Uint8Array; fY: Float32Array; fC: Float32Array };
const tableCache = new Map<number, Tables>();

function tablesFor(quality: number): Tables {
  const cached = tableCache.get(quality);
  if (cached) return cached;
  // IJG quality scaling.
  const scale = quality < 50 ? Math.floor(5000 / quality) : 200 - quality * 2;
  const q = (base: number[]) => Uint8Array.from(base, (v) => Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100))));
  const qY = q(LUMA_Q);
  const qC = q(CHROMA_Q);
  const f = (qt: Uint8Array) => {
    const out = new Float32Array(64);
    for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) out[r * 8 + c] = 1 / (qt[r * 8 + c] * AAN[r] * AAN[c] * 8);
    return out;
  };
  const t = { qY, qC, fY: f(qY), fC: f(qC) };
  tableCache.set(quality, t);
  return t;
}

// In-place forward DCT (AAN), rows then columns. Output is scaled; the quantiser undoes it.
function fdct(d: Float32Array): void {
  for (let pass = 0; pass < 2; pass++) {
    const step = pass === 0 ? 1 : 8;
    const stride = pass === 0 ? 8 : 1;
    for (let i = 0; i < 8; i++) {
      const o = i * stride;
      const p = (k: number) => o + k * step;
      const t0 = d[p(0)] + d[p(7)],
        t7 = d[p(0)] - d[p(7)];
      const t1 = d[p(1)] + d[p(6)],
        t6 = d[p(1)] - d[p(6)];
      const t2 = d[p(2)] + d[p(5)],
        t5 = d[p(2)] - d[p(5)];
      const t3 = d[p(3)] + d[p(4)],
        t4 = d[p(3)] - d[p(4)];
      let t10 = t0 + t3;
      const t13 = t0 - t3;
      let t11 = t1 + t2;
      let t12 = t1 - t2;
      d[p(0)] = t10 + t11;
      d[p(4)] = t10 - t11;
      const z1 = (t12 + t13) * 0.707106781;
      d[p(2)] = t13 + z1;
      d[p(6)] = t13 - z1;
      t10 = t4 + t5;
      t11 = t5 + t6;
      t12 = t6 + t7;
      const z5 = (t10 - t12) * 0.382683433;
      const z2 = 0.5411961 * t10 + z5;
      const z4 = 1.306562965 * t12 + z5;
      const z3 = t11 * 0.707106781;
      const z11 = t7 + z3;
      const z13 = t7 - z3;
      d[p(5)] = z13 + z2;
      d[p(3)] = z13 - z2;
      d[p(1)] = z11 + z4;
      d[p(7)] = z11 - z4;
    }
  }
}

class ByteSink {
  buf = new Uint8Array(1 << 16);
  len = 0;
  acc = 0;
  nacc = 0;
  byte(b: number) {
    if (this.len === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.len++] = b;
  }
  bytes(arr: ArrayLike<number>) {
    for (let i = 0; i < arr.length; i++) this.byte(arr[i]);
  }
  u16(v: number) {
    this.byte(v >>> 8);
    this.byte(v & 0xff);
  }
  // Entropy-coded bits, with 0xFF byte stuffing.
  bits(value: number, count: number) {
    this.acc = (this.acc << count) | (value & ((1 << count) - 1));
    this.nacc += count;
    while (this.nacc >= 8) {
      this.nacc -= 8;
      const b = (this.acc >>> this.nacc) & 0xff;
      this.byte(b);
      if (b === 0xff) this.byte(0);
    }
    this.acc &= (1 << this.nacc) - 1;
  }
  flushBits() {
    if (this.nacc > 0) this.bits(0x7f, 8 - this.nacc); // pad with 1-bits (F.1.2.3)
  }
}

function bitLength(v: number): number {
  let a = v < 0 ? -v : v;
  let n = 0;
  while (a) {
    n++;
    a >>= 1;
  }
  return n;
}

const block = new Float32Array(64);
const coeffs = new Int32Array(64);

/** Encodes one 8x8 block already in `block` (level-shifted); returns the new DC predictor. */
function encodeBlock(out: ByteSink, flat: boolean, fdtbl: Float32Array, qt: Uint8Array, prevDc: number, dc: HuffTable, ac: HuffTable): number {
  if (flat) {
    // A constant block has only a DC term: 8 * value in the DCT's scaling.
    coeffs.fill(0);
    coeffs[0] = Math.round((block[0] * 8) / qt[0]);
  } else {
    fdct(block);
    for (let i = 0; i < 64; i++) coeffs[i] = Math.round(block[i] * fdtbl[i]);
  }
  const diff = coeffs[0] - prevDc;
  const dcSize = bitLength(diff);
  out.bits(dc.code[dcSize], dc.size[dcSize]);
  if (dcSize) out.bits(diff < 0 ? diff - 1 : diff, dcSize);
  let run = 0;
  for (let k = 1; k < 64; k++) {
    const v = coeffs[ZIGZAG[k]];
    if (v === 0) {
      run++;
      continue;
    }
    while (run > 15) {
      out.bits(ac.code[0xf0], ac.size[0xf0]);
      run -= 16;
    }
    const size = bitLength(v);
    const sym = (run << 4) | size;
    out.bits(ac.code[sym], ac.size[sym]);
    out.bits(v < 0 ? v - 1 : v, size);
    run = 0;
  }
  if (run > 0) out.bits(ac.code[0], ac.size[0]); // EOB
  return coeffs[0];
}

function writeHuffmanSegment(out: ByteSink, tableClassAndId: number, bits: number[], vals: number[]) {
  out.u16(0xffc4);
  out.u16(2 + 1 + 16 + vals.length);
  out.byte(tableClassAndId);
  out.bytes(bits);
  out.bytes(vals);
}

/** `rgb`: width*height*3 bytes. Returns a complete JFIF file. */
export function encodeJpeg(width: number, height: number, rgb: Uint8Array, quality = 80): Uint8Array {
  if (width < 1 || height < 1 || width > 65_535 || height > 65_535) throw new RangeError("bad JPEG dimensions");
  if (rgb.length !== width * height * 3) throw new RangeError("rgb length does not match dimensions");
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const { qY, qC, fY, fC } = tablesFor(q);
  const out = new ByteSink();

  out.u16(0xffd8); // SOI
  out.u16(0xffe0); // APP0 JFIF
  out.u16(16);
  out.bytes([0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  for (const [id, qt] of [
    [0, qY],
    [1, qC],
  ] as const) {
    out.u16(0xffdb); // DQT, in zigzag order
    out.u16(67);
    out.byte(id);
    for (let k = 0; k < 64; k++) out.byte(qt[ZIGZAG[k]]);
  }
  out.u16(0xffc0); // SOF0: baseline, 8-bit, 3 components, Y sampled 2x2
  out.u16(17);
  out.byte(8);
  out.u16(height);
  out.u16(width);
  out.byte(3);
  out.bytes([1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  writeHuffmanSegment(out, 0x00, DC_LUMA_BITS, DC_LUMA_VALS);
  writeHuffmanSegment(out, 0x10, AC_LUMA_BITS, AC_LUMA_VALS);
  writeHuffmanSegment(out, 0x01, DC_CHROMA_BITS, DC_CHROMA_VALS);
  writeHuffmanSegment(out, 0x11, AC_CHROMA_BITS, AC_CHROMA_VALS);
  out.u16(0xffda); // SOS
  out.u16(12);
  out.byte(3);
  out.bytes([1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);

  let dcY = 0,
    dcCb = 0,
    dcCr = 0;
  const cb = new Float32Array(256);
  const cr = new Float32Array(256);
  for (let my = 0; my < height; my += 16) {
    for (let mx = 0; mx < width; mx += 16) {
      // Four luma blocks; chroma accumulated over the 16x16 MCU then averaged 2x2.
      for (let by = 0; by < 2; by++) {
        for (let bx = 0; bx < 2; bx++) {
          let flat = true;
          for (let y = 0; y < 8; y++) {
            const py = Math.min(height - 1, my + by * 8 + y);
            for (let x = 0; x < 8; x++) {
              const px = Math.min(width - 1, mx + bx * 8 + x); // edge pixels repeat
              const i = (py * width + px) * 3;
              const r = rgb[i],
                g = rgb[i + 1],
                b = rgb[i + 2];
              const yy = 0.299 * r + 0.587 * g + 0.114 * b - 128;
              const k = y * 8 + x;
              block[k] = yy;
              if (block[k] !== block[0]) flat = false; // compare as stored (float32)
              const ci = (by * 8 + y) * 16 + bx * 8 + x;
              cb[ci] = -0.168736 * r - 0.331264 * g + 0.5 * b;
              cr[ci] = 0.5 * r - 0.418688 * g - 0.081312 * b;
            }
          }
          dcY = encodeBlock(out, flat, fY, qY, dcY, HUFF.dcY, HUFF.acY);
        }
      }
      for (const [plane, which] of [
        [cb, 0],
        [cr, 1],
      ] as const) {
        let flat = true;
        for (let y = 0; y < 8; y++) {
          for (let x = 0; x < 8; x++) {
            const i = y * 32 + x * 2;
            const v = (plane[i] + plane[i + 1] + plane[i + 16] + plane[i + 17]) / 4;
            block[y * 8 + x] = v;
            if (block[y * 8 + x] !== block[0]) flat = false;
          }
        }
        if (which === 0) dcCb = encodeBlock(out, flat, fC, qC, dcCb, HUFF.dcC, HUFF.acC);
        else dcCr = encodeBlock(out, flat, fC, qC, dcCr, HUFF.dcC, HUFF.acC);
      }
    }
  }
  out.flushBits();
  out.u16(0xffd9); // EOI
  return out.buf.slice(0, out.len);
}
