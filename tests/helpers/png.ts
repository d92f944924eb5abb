import { inflateSync } from "node:zlib";
import { crc32 } from "@/lib/providers/local/media/crc32";

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export type PngInfo = { width: number; height: number; bitDepth: number; colorType: number; chunks: string[]; pixels: Buffer };

/**
 * Strict structural reader for the PNGs the image simulator writes: checks the signature,
 * every chunk CRC, IHDR first and IEND last, and that IDAT inflates to exactly the
 * expected scanlines. Returns the unfiltered RGB pixels (filter type 0 only).
 */
export function inspectPng(bytes: Uint8Array): PngInfo {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(SIGNATURE)) throw new Error("not a PNG: bad signature");
  const chunks: string[] = [];
  const idat: Buffer[] = [];
  let ihdr: Buffer | undefined;
  let off = 8;
  while (off < buf.length) {
    if (off + 12 > buf.length) throw new Error("truncated chunk header");
    const len = buf.readUInt32BE(off);
    const type = buf.toString("latin1", off + 4, off + 8);
    if (off + 12 + len > buf.length) throw new Error(`truncated ${type} chunk`);
    const crc = buf.readUInt32BE(off + 8 + len);
    if (crc !== crc32(buf.subarray(off + 4, off + 8 + len))) throw new Error(`bad CRC in ${type}`);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === "IHDR") ihdr = data;
    if (type === "IDAT") idat.push(data);
    chunks.push(type);
    off += 12 + len;
  }
  if (chunks[0] !== "IHDR" || chunks.at(-1) !== "IEND" || !ihdr) throw new Error("IHDR must come first and IEND last");
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 3;
  if (ihdr[8] !== 8 || ihdr[9] !== 2) throw new Error("only 8-bit truecolour is supported by this reader");
  if (raw.length !== (stride + 1) * height) throw new Error("IDAT does not hold width x height scanlines");
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    if (raw[y * (stride + 1)] !== 0) throw new Error("only filter type 0 is supported by this reader");
    raw.copy(pixels, y * stride, y * (stride + 1) + 1, (y + 1) * (stride + 1));
  }
  return { width, height, bitDepth: ihdr[8], colorType: ihdr[9], chunks, pixels };
}
