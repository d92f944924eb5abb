import { encodeJpeg } from "./jpeg";
import { encodeH264Mp4 } from "./mp4";
import { digest, prng } from "./seed";

// The local video simulator: seconds x fps frames of horizontal colour bands that drift in
// hue, with a square that bounces across them and a progress bar along the bottom.
// Deterministic per prompt; an H.264 MP4 (what browsers play, and what OpenAI's
// /v1/videos/{id}/content answers) whose length is the billed seconds. The thumbnail is
// the first frame as a JPEG, rendered again from the prompt when asked for.

export const VIDEO_FPS = 24;
export const VIDEO_JPEG_QUALITY = 75;

export type RenderedVideo = { bytes: Buffer; frameCount: number; fps: number; width: number; height: number };

function hueToRgb(h: number, s: number, l: number): [number, number, number] {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h * 12) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

type VideoOptions = { width: number; height: number; seconds: number; fps?: number };

// RGBA frames, produced one at a time (into the same buffer) so the async renderer can
// yield between them.
function* rgbaFrames(prompt: string, opts: VideoOptions): Generator<Uint8Array> {
  const { width, height, seconds } = opts;
  const fps = opts.fps ?? VIDEO_FPS;
  const frameCount = seconds * fps;
  if (!Number.isInteger(frameCount) || frameCount < 1) throw new RangeError("seconds x fps must be a positive integer");
  const rand = prng(digest("video", prompt).readUInt32LE(0));
  const bandCount = 3 + Math.floor(rand() * 5);
  // Band edges on 16-pixel rows keep most JPEG blocks one flat colour (cheap to encode).
  const bandHeight = Math.max(16, Math.ceil(height / bandCount / 16) * 16);
  const hues = Array.from({ length: bandCount }, () => rand());
  const squareHue = rand();
  const side = Math.max(16, Math.round(Math.min(width, height) * (0.12 + rand() * 0.1)));
  const vx = (0.3 + rand() * 0.4) * width; // pixels per second
  const vy = (0.3 + rand() * 0.4) * height;

  const rgb = new Uint8Array(width * height * 4).fill(255); // alpha stays opaque
  for (let f = 0; f < frameCount; f++) {
    const t = f / fps;
    for (let y = 0; y < height; y++) {
      const band = Math.min(bandCount - 1, Math.floor(y / bandHeight));
      const [r, g, b] = hueToRgb((hues[band] + t * 0.05) % 1, 0.6, 0.45 + 0.1 * (band % 2));
      for (let x = 0, i = y * width * 4; x < width; x++, i += 4) {
        rgb[i] = r;
        rgb[i + 1] = g;
        rgb[i + 2] = b;
      }
    }
    // Bounce: a triangle wave in each axis.
    const bounce = (v: number, span: number) => {
      const p = (v * t) % (2 * span);
      return Math.round(p < span ? p : 2 * span - p);
    };
    const sx = bounce(vx, width - side);
    const sy = bounce(vy, height - side);
    const [qr, qg, qb] = hueToRgb(squareHue, 0.9, 0.6);
    for (let y = sy; y < sy + side; y++) {
      for (let x = sx, i = (y * width + sx) * 4; x < sx + side; x++, i += 4) {
        rgb[i] = qr;
        rgb[i + 1] = qg;
        rgb[i + 2] = qb;
      }
    }
    const barEnd = Math.round((width * (f + 1)) / frameCount);
    for (let y = height - 8; y < height; y++) rgb.fill(255, y * width * 4, (y * width + barEnd) * 4);
    yield rgb;
  }
}

/** The first frame as a JPEG (the `thumbnail` variant of the content). */
export function renderVideoThumbnail(prompt: string, opts: { width: number; height: number; fps?: number }): Buffer {
  const { width, height } = opts;
  const first = rgbaFrames(prompt, { ...opts, seconds: 1 }).next().value as Uint8Array;
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgb[i] = first[j];
    rgb[i + 1] = first[j + 1];
    rgb[i + 2] = first[j + 2];
  }
  return Buffer.from(encodeJpeg(width, height, rgb, VIDEO_JPEG_QUALITY));
}

/**
 * Renders the video without holding the event loop: it yields between frames so an
 * instance keeps answering other requests while a job renders. `onProgress` gets 0-100.
 */
export async function renderVideoAsync(prompt: string, opts: VideoOptions & { onProgress?: (pct: number) => void | Promise<void> }): Promise<RenderedVideo> {
  const fps = opts.fps ?? VIDEO_FPS;
  const total = opts.seconds * fps;
  let done = 0;
  let reported = 0;
  async function* paced() {
    for (const frame of rgbaFrames(prompt, opts)) {
      yield frame; // encoded (copied into the encoder) before the next one is drawn
      done++;
      await new Promise((r) => setImmediate(r));
      const pct = Math.floor((done * 100) / total);
      if (opts.onProgress && pct >= reported + 25 && pct < 100) {
        reported = pct;
        await opts.onProgress(pct);
      }
    }
  }
  const { bytes, frameCount } = await encodeH264Mp4({ width: opts.width, height: opts.height, fps }, paced());
  return {
    bytes,
    frameCount,
    fps,
    width: opts.width,
    height: opts.height,
  };
}
