// H.264 in MP4: what browsers play and what OpenAI's /v1/videos/{id}/content answers
// (video/mp4). The encoder is h264-mp4-encoder (MiniH264 + minimp4 compiled to WASM, the
// module inlined in its JavaScript: no file or network access at run time). It is listed in
// next.config.js serverExternalPackages: loaded from node_modules as published.

export const MP4_CONTENT_TYPE = "video/mp4";

type Encoder = {
  width: number;
  height: number;
  frameRate: number;
  speed: number;
  quantizationParameter: number;
  groupOfPictures: number;
  outputFilename: string;
  initialize(): void;
  addFrameRgba(frame: Uint8Array): void;
  finalize(): void;
  delete(): void;
  FS: { readFile(path: string): Uint8Array; unlink(path: string): void };
};

let factory: Promise<() => Promise<Encoder>> | null = null;

// The Emscripten glue installs process-wide 'uncaughtException' and 'unhandledRejection'
// listeners when it loads (its shell's defaults for a command-line program). A server must
// keep its own handling, so the listeners it added are removed again.
function loadEncoder(): Promise<() => Promise<Encoder>> {
  factory ??= (async () => {
    const before = {
      uncaughtException: new Set(process.listeners("uncaughtException")),
      unhandledRejection: new Set(process.listeners("unhandledRejection")),
    };
    type Module = { createH264MP4Encoder: () => Promise<Encoder> };
    const imported = (await import("h264-mp4-encoder")) as unknown as Module & { default?: Module };
    const mod = imported.default ?? imported;
    for (const l of process.listeners("uncaughtException")) if (!before.uncaughtException.has(l)) process.off("uncaughtException", l);
    for (const l of process.listeners("unhandledRejection")) if (!before.unhandledRejection.has(l)) process.off("unhandledRejection", l);
    return mod.createH264MP4Encoder;
  })();
  return factory;
}

let fileSeq = 0;

export type Mp4Input = { width: number; height: number; fps: number };

/**
 * Encodes RGBA frames (width x height x 4 bytes each) into an H.264 MP4. Frames come from
 * an async iterable so the caller decides when to yield to the event loop.
 */
export async function encodeH264Mp4(input: Mp4Input, frames: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<{ bytes: Buffer; frameCount: number }> {
  const { width, height, fps } = input;
  if (!Number.isInteger(fps) || fps < 1) throw new RangeError("fps must be a positive integer");
  if (width % 2 || height % 2 || width < 2 || height < 2) throw new RangeError("H.264 4:2:0 needs an even width and height");
  const create = await loadEncoder();
  const enc = await create();
  enc.width = width;
  enc.height = height;
  enc.frameRate = fps;
  enc.speed = 10; // fastest preset: flat bands and a square compress well anyway
  enc.quantizationParameter = 28;
  enc.groupOfPictures = fps; // one key frame a second, so players can seek
  enc.outputFilename = `video-${process.pid}-${++fileSeq}.mp4`;
  let frameCount = 0;
  let initialized = false;
  let finalized = false;
  try {
    enc.initialize();
    initialized = true;
    for await (const frame of frames) {
      if (frame.length !== width * height * 4) throw new RangeError(`frame ${frameCount} is ${frame.length} bytes, expected ${width * height * 4}`);
      enc.addFrameRgba(frame);
      frameCount++;
    }
    if (frameCount === 0) throw new RangeError("a video needs at least one frame");
    enc.finalize();
    finalized = true;
    return { bytes: Buffer.from(enc.FS.readFile(enc.outputFilename)), frameCount };
  } finally {
    // The encoder's destructor aborts the WASM runtime unless the file was finalized.
    if (initialized && !finalized) enc.finalize();
    if (initialized) enc.FS.unlink(enc.outputFilename);
    enc.delete();
  }
}

export type Mp4Info = {
  majorBrand: string;
  width: number;
  height: number;
  codec: string;
  timescale: number;
  durationSeconds: number;
  sampleCount: number;
  /** Sample (frame) rate from the track's timescale and sample durations. */
  fps: number;
  mdatBytes: number;
};

const CONTAINERS = new Set(["moov", "trak", "mdia", "minf", "stbl"]);

/**
 * A strict reader for the MP4s we write: ftyp first, box sizes consistent with the file,
 * one video track whose sample table (stsz, stts, stco) covers the mdat.
 */
export function inspectMp4(bytes: Uint8Array): Mp4Info {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const id = (o: number) => b.toString("latin1", o, o + 4);
  if (b.length < 16 || id(4) !== "ftyp") throw new Error("not an MP4 file (no ftyp box first)");
  const info: Partial<Mp4Info> & { mdat?: [number, number]; chunkOffsets?: number[]; sampleSizes?: number[]; stts?: number } = {};
  const walk = (start: number, end: number) => {
    let o = start;
    while (o < end) {
      if (o + 8 > end) throw new Error("truncated box header");
      let size = b.readUInt32BE(o);
      const type = id(o + 4);
      let data = o + 8;
      if (size === 1) {
        size = Number(b.readBigUInt64BE(o + 8));
        data = o + 16;
      } else if (size === 0) size = end - o;
      if (size < 8 || o + size > end) throw new Error(`box ${type} overruns its parent`);
      const boxEnd = o + size;
      if (type === "ftyp") info.majorBrand = id(data);
      else if (type === "mdat") info.mdat = [data, boxEnd];
      else if (CONTAINERS.has(type)) walk(data, boxEnd);
      else if (type === "mvhd") {
        const v = b[data];
        info.timescale = b.readUInt32BE(data + (v ? 20 : 12));
        const duration = v ? Number(b.readBigUInt64BE(data + 24)) : b.readUInt32BE(data + 16);
        info.durationSeconds = duration / info.timescale;
      } else if (type === "tkhd") {
        const v = b[data];
        const at = data + (v ? 88 : 76);
        info.width = b.readUInt32BE(at) / 65536;
        info.height = b.readUInt32BE(at + 4) / 65536;
      } else if (type === "stsd") {
        info.codec = id(data + 12);
      } else if (type === "stsz") {
        const fixed = b.readUInt32BE(data + 4);
        const n = b.readUInt32BE(data + 8);
        info.sampleCount = n;
        info.sampleSizes = fixed ? Array(n).fill(fixed) : Array.from({ length: n }, (_, i) => b.readUInt32BE(data + 12 + i * 4));
      } else if (type === "stco") {
        const n = b.readUInt32BE(data + 4);
        info.chunkOffsets = Array.from({ length: n }, (_, i) => b.readUInt32BE(data + 8 + i * 4));
      } else if (type === "stts") {
        // One entry for constant-rate video: count, delta (in the media timescale).
        const n = b.readUInt32BE(data + 4);
        if (n >= 1) info.stts = b.readUInt32BE(data + 12);
      } else if (type === "mdhd") {
        const v = b[data];
        const ts = b.readUInt32BE(data + (v ? 20 : 12));
        (info as { mediaTimescale?: number }).mediaTimescale = ts;
      }
      o = boxEnd;
    }
  };
  walk(0, b.length);
  if (!info.mdat) throw new Error("no mdat box");
  if (!info.codec || info.sampleCount === undefined || !info.sampleSizes || !info.chunkOffsets) throw new Error("no video track sample table");
  const [mdatStart, mdatEnd] = info.mdat;
  for (const off of info.chunkOffsets) if (off < mdatStart || off >= mdatEnd) throw new Error("a chunk offset points outside mdat");
  const sampleBytes = info.sampleSizes.reduce((s, n) => s + n, 0);
  if (sampleBytes > mdatEnd - mdatStart) throw new Error("the samples are larger than mdat");
  const mediaTimescale = (info as { mediaTimescale?: number }).mediaTimescale ?? info.timescale!;
  return {
    majorBrand: info.majorBrand!,
    width: info.width!,
    height: info.height!,
    codec: info.codec,
    timescale: info.timescale!,
    durationSeconds: info.durationSeconds!,
    sampleCount: info.sampleCount,
    fps: info.stts ? mediaTimescale / info.stts : 0,
    mdatBytes: mdatEnd - mdatStart,
  };
}
