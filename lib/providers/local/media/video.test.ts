import { describe, expect, it } from "vitest";
import { encodeJpeg } from "./jpeg";
import { encodeH264Mp4, inspectMp4 } from "./mp4";
import { renderVideoAsync, renderVideoThumbnail } from "./video";

// Walks a baseline JPEG: markers in order, then entropy-decodes every block with the
// file's own Huffman tables, which must consume the scan exactly. Returns the DC values.
function inspectJpeg(jpg: Uint8Array) {
  const markers: number[] = [];
  let width = 0,
    height = 0,
    off = 2;
  const tables = new Map<number, Map<string, number>>();
  expect([jpg[0], jpg[1]]).toEqual([0xff, 0xd8]);
  for (;;) {
    expect(jpg[off]).toBe(0xff);
    const m = jpg[off + 1];
    markers.push(m);
    const len = (jpg[off + 2] << 8) | jpg[off + 3];
    if (m === 0xc0) {
      height = (jpg[off + 5] << 8) | jpg[off + 6];
      width = (jpg[off + 7] << 8) | jpg[off + 8];
    }
    if (m === 0xc4) {
      const id = jpg[off + 4];
      const codes = new Map<string, number>();
      let code = 0,
        k = off + 21;
      for (let l = 1; l <= 16; l++) {
        for (let i = 0; i < jpg[off + 4 + l]; i++) {
          codes.set(code.toString(2).padStart(l, "0"), jpg[k++]);
          code++;
        }
        code <<= 1;
      }
      tables.set(id, codes);
    }
    off += 2 + len;
    if (m === 0xda) break;
  }
  // Unstuff the scan.
  const bits: string[] = [];
  let i = off;
  for (; !(jpg[i] === 0xff && jpg[i + 1] !== 0); i++) {
    bits.push(jpg[i].toString(2).padStart(8, "0"));
    if (jpg[i] === 0xff) i++;
  }
  expect([jpg[i], jpg[i + 1], i + 2]).toEqual([0xff, 0xd9, jpg.length]);
  const s = bits.join("");
  let p = 0;
  const sym = (t: Map<string, number>) => {
    for (let l = 1; l <= 16; l++) {
      const v = t.get(s.slice(p, p + l));
      if (v !== undefined) return ((p += l), v);
    }
    throw new Error(`bad Huffman code at bit ${p}`);
  };
  const dcs: number[] = [];
  const pred = [0, 0, 0];
  const mcus = Math.ceil(width / 16) * Math.ceil(height / 16);
  for (let mcu = 0; mcu < mcus; mcu++) {
    for (let b = 0; b < 6; b++) {
      const c = b < 4 ? 0 : b - 3;
      const size = sym(tables.get(c ? 0x01 : 0x00)!);
      let diff = size ? parseInt(s.slice(p, p + size), 2) : 0;
      if (size && s[p] === "0") diff -= 2 ** size - 1;
      p += size;
      pred[c] += diff;
      if (c === 0) dcs.push(pred[0]);
      for (let k = 1; k < 64;) {
        const rs = sym(tables.get(c ? 0x11 : 0x10)!);
        if (rs === 0) break;
        k += (rs >> 4) + 1;
        p += rs & 15;
      }
    }
  }
  expect(s.length - p).toBeLessThan(8); // only padding left
  return { width, height, markers, dcs };
}

describe("JPEG encoder", () => {
  it("writes a baseline JFIF whose scan decodes block for block", () => {
    const w = 40,
      h = 24;
    const rgb = new Uint8Array(w * h * 3).fill(200);
    for (let i = 0; i < 200; i++) rgb[i * 7] = (i * 53) & 0xff; // some detail
    const info = inspectJpeg(encodeJpeg(w, h, rgb, 80));
    expect(info).toMatchObject({ width: 40, height: 24 });
    expect(info.markers).toEqual([0xe0, 0xdb, 0xdb, 0xc0, 0xc4, 0xc4, 0xc4, 0xc4, 0xda]);
    expect(info.dcs).toHaveLength(Math.ceil(40 / 16) * Math.ceil(24 / 16) * 4);
  });

  it("encodes a flat grey exactly: DC = 8·(Y−128)/q", () => {
    const rgb = new Uint8Array(16 * 16 * 3).fill(228); // Y = 228 → level-shifted 100
    const { dcs } = inspectJpeg(encodeJpeg(16, 16, rgb, 50)); // q50 luma DC quantiser = 16
    expect(dcs).toEqual([50, 50, 50, 50]);
  });
});

describe("video simulator", () => {
  it("renders seconds x fps frames into an H.264 MP4 browsers play", async () => {
    const v = await renderVideoAsync("a paper boat", { width: 64, height: 48, seconds: 2, fps: 6 });
    expect(v.frameCount).toBe(12);
    expect(v.bytes.subarray(4, 8).toString("latin1")).toBe("ftyp");
    expect(inspectMp4(v.bytes)).toMatchObject({ codec: "avc1", width: 64, height: 48, fps: 6, sampleCount: 12, durationSeconds: 2 });
    expect((await renderVideoAsync("a paper boat", { width: 64, height: 48, seconds: 2, fps: 6 })).bytes.equals(v.bytes)).toBe(true);
    expect((await renderVideoAsync("a river", { width: 64, height: 48, seconds: 2, fps: 6 })).bytes.equals(v.bytes)).toBe(false);
  });

  it("draws the thumbnail as a JPEG of the first frame, the same for the same prompt", () => {
    const t = renderVideoThumbnail("a paper boat", { width: 64, height: 48 });
    expect(inspectJpeg(t)).toMatchObject({ width: 64, height: 48 });
    expect(t.equals(renderVideoThumbnail("a paper boat", { width: 64, height: 48 }))).toBe(true);
    expect(t.equals(renderVideoThumbnail("a river", { width: 64, height: 48 }))).toBe(false);
  });

  it("refuses odd sizes, wrong frame sizes and empty videos; the reader refuses a cut file", async () => {
    await expect(encodeH264Mp4({ width: 63, height: 48, fps: 6 }, [])).rejects.toThrow(/even/);
    await expect(encodeH264Mp4({ width: 64, height: 48, fps: 6 }, [new Uint8Array(10)])).rejects.toThrow(/frame 0/);
    await expect(encodeH264Mp4({ width: 64, height: 48, fps: 6 }, [])).rejects.toThrow(/at least one frame/);
    const ok = await encodeH264Mp4({ width: 64, height: 48, fps: 6 }, [new Uint8Array(64 * 48 * 4).fill(90)]);
    expect(inspectMp4(ok.bytes).sampleCount).toBe(1);
    expect(() => inspectMp4(ok.bytes.subarray(0, ok.bytes.length - 10))).toThrow();
    expect(() => inspectMp4(Buffer.from("RIFF....AVI "))).toThrow(/not an MP4/);
  });
});

describe("async video renderer", () => {
  it("produces the same bytes whether or not it reports progress, and reports it", async () => {
    const progress: number[] = [];
    const v = await renderVideoAsync("a paper boat", { width: 64, height: 48, seconds: 2, fps: 6, onProgress: (p) => void progress.push(p) });
    expect(v.bytes.equals((await renderVideoAsync("a paper boat", { width: 64, height: 48, seconds: 2, fps: 6 })).bytes)).toBe(true);
    expect(progress).toEqual([25, 50, 75]);
  });
});
