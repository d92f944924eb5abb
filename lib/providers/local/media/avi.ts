// Motion-JPEG in an AVI (RIFF) container: the simplest video file that ffmpeg, VLC, mpv
// and Windows players all play, and that we can write by hand. One video stream, every
// frame a JPEG key frame, an idx1 index at the end.

export const AVI_CONTENT_TYPE = "video/x-msvideo";

const AVIF_HASINDEX = 0x10;
const AVIIF_KEYFRAME = 0x10;

function fourcc(s: string): Buffer {
  return Buffer.from(s, "latin1");
}

function riffChunk(id: string, data: Buffer): Buffer {
  const pad = data.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0);
  const head = Buffer.alloc(8);
  head.write(id, 0, "latin1");
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, pad]);
}

function list(type: string, parts: Buffer[]): Buffer {
  return riffChunk("LIST", Buffer.concat([fourcc(type), ...parts]));
}

export type AviInput = { width: number; height: number; fps: number; frames: Uint8Array[] };

export function writeMjpegAvi({ width, height, fps, frames }: AviInput): Buffer {
  if (!Number.isInteger(fps) || fps < 1) throw new RangeError("fps must be a positive integer");
  const maxFrame = frames.reduce((m, f) => Math.max(m, f.length), 0);

  const avih = Buffer.alloc(56);
  avih.writeUInt32LE(Math.round(1_000_000 / fps), 0); // microseconds per frame
  avih.writeUInt32LE(maxFrame * fps, 4); // max bytes per second
  avih.writeUInt32LE(0, 8); // padding granularity
  avih.writeUInt32LE(AVIF_HASINDEX, 12);
  avih.writeUInt32LE(frames.length, 16); // total frames
  avih.writeUInt32LE(0, 20); // initial frames
  avih.writeUInt32LE(1, 24); // streams
  avih.writeUInt32LE(maxFrame + 8, 28); // suggested buffer size
  avih.writeUInt32LE(width, 32);
  avih.writeUInt32LE(height, 36);

  const strh = Buffer.alloc(56);
  strh.write("vids", 0, "latin1");
  strh.write("MJPG", 4, "latin1");
  strh.writeUInt32LE(1, 20); // scale
  strh.writeUInt32LE(fps, 24); // rate: rate / scale = frames per second
  strh.writeUInt32LE(0, 28); // start
  strh.writeUInt32LE(frames.length, 32); // length, in frames
  strh.writeUInt32LE(maxFrame + 8, 36); // suggested buffer size
  strh.writeInt32LE(-1, 40); // quality: default
  strh.writeUInt32LE(0, 44); // sample size: varies
  strh.writeUInt16LE(0, 48); // rcFrame left, top, right, bottom
  strh.writeUInt16LE(0, 50);
  strh.writeUInt16LE(width, 52);
  strh.writeUInt16LE(height, 54);

  const strf = Buffer.alloc(40); // BITMAPINFOHEADER
  strf.writeUInt32LE(40, 0);
  strf.writeInt32LE(width, 4);
  strf.writeInt32LE(height, 8);
  strf.writeUInt16LE(1, 12); // planes
  strf.writeUInt16LE(24, 14); // bit count
  strf.write("MJPG", 16, "latin1");
  strf.writeUInt32LE(width * height * 3, 20); // size of the decoded image

  const hdrl = list("hdrl", [riffChunk("avih", avih), list("strl", [riffChunk("strh", strh), riffChunk("strf", strf)])]);

  // idx1 offsets are relative to the "movi" fourcc, pointing at each chunk header.
  const chunks: Buffer[] = [];
  const index = Buffer.alloc(16 * frames.length);
  let offset = 4;
  frames.forEach((frame, i) => {
    const c = riffChunk("00dc", Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
    index.write("00dc", i * 16, "latin1");
    index.writeUInt32LE(AVIIF_KEYFRAME, i * 16 + 4);
    index.writeUInt32LE(offset, i * 16 + 8);
    index.writeUInt32LE(frame.length, i * 16 + 12);
    chunks.push(c);
    offset += c.length;
  });
  const movi = list("movi", chunks);
  const body = Buffer.concat([fourcc("AVI "), hdrl, movi, riffChunk("idx1", index)]);
  return riffChunk("RIFF", body);
}

export type AviInfo = {
  width: number;
  height: number;
  fps: number;
  frameCount: number;
  codec: string;
  durationSeconds: number;
  /** The frame payloads found in the movi list, in order. */
  frames: Buffer[];
  indexEntries: number;
};

/**
 * A strict reader for the AVIs we write: checks RIFF sizes, the header lists, that the
 * movi list holds exactly the declared number of frames and that idx1 points at each.
 */
export function inspectAvi(bytes: Uint8Array): AviInfo {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const id = (o: number) => b.toString("latin1", o, o + 4);
  if (b.length < 12 || id(0) !== "RIFF" || id(8) !== "AVI ") throw new Error("not an AVI file");
  if (b.readUInt32LE(4) + 8 !== b.length) throw new Error("RIFF size does not match the file size");
  let width = 0,
    height = 0,
    fps = 0,
    frameCount = 0,
    codec = "";
  let moviStart = -1;
  const frames: Buffer[] = [];
  let indexEntries = 0;

  const walk = (start: number, end: number) => {
    let o = start;
    while (o < end) {
      if (o + 8 > end) throw new Error("truncated chunk header");
      const cid = id(o);
      const size = b.readUInt32LE(o + 4);
      const data = o + 8;
      if (data + size > end) throw new Error(`chunk ${cid} overruns its parent`);
      if (cid === "LIST") {
        if (id(data) === "movi") moviStart = data;
        walk(data + 4, data + size);
      } else if (cid === "avih") {
        frameCount = b.readUInt32LE(data + 16);
        width = b.readUInt32LE(data + 32);
        height = b.readUInt32LE(data + 36);
      } else if (cid === "strh") {
        codec = id(data + 4);
        fps = b.readUInt32LE(data + 24) / b.readUInt32LE(data + 20);
        if (b.readUInt32LE(data + 32) !== frameCount) throw new Error("strh length differs from avih total frames");
      } else if (cid === "00dc") {
        frames.push(b.subarray(data, data + size));
      } else if (cid === "idx1") {
        indexEntries = size / 16;
        for (let i = 0; i < indexEntries; i++) {
          const at = moviStart + b.readUInt32LE(data + i * 16 + 8);
          if (id(at) !== id(data + i * 16) || b.readUInt32LE(at + 4) !== b.readUInt32LE(data + i * 16 + 12)) {
            throw new Error(`idx1 entry ${i} does not point at its chunk`);
          }
        }
      }
      o = data + size + (size & 1);
    }
  };
  walk(12, b.length);
  if (frames.length !== frameCount) throw new Error(`avih says ${frameCount} frames, movi holds ${frames.length}`);
  if (indexEntries !== frameCount) throw new Error("idx1 does not index every frame");
  return { width, height, fps, frameCount, codec, durationSeconds: frameCount / fps, frames, indexEntries };
}
