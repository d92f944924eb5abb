import { encodePng } from "./png";
import { digest, prng } from "./seed";

// The local image simulator: a deterministic picture derived from the prompt (a
// two-colour gradient with rings and stripes placed by a hash of the prompt). Same
// prompt + size + index => same bytes; it is clearly a placeholder, but a real PNG.

export type RenderedImage = { png: Buffer; width: number; height: number };

type Rgb = [number, number, number];

function hsl(h: number, s: number, l: number): Rgb {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h * 12) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

/** Renders RGB pixels for `prompt`; `index` distinguishes the n images of one request. */
export function renderImagePixels(prompt: string, width: number, height: number, index = 0): Uint8Array {
  const seed = digest("image", prompt, String(index));
  const rand = prng(seed.readUInt32LE(0));
  const from = hsl(rand(), 0.55 + rand() * 0.35, 0.3 + rand() * 0.2);
  const to = hsl(rand(), 0.55 + rand() * 0.35, 0.55 + rand() * 0.2);
  const ring = hsl(rand(), 0.8, 0.85);
  const cx = (0.2 + rand() * 0.6) * width;
  const cy = (0.2 + rand() * 0.6) * height;
  const ringSpacing = Math.max(8, Math.round((0.04 + rand() * 0.08) * Math.min(width, height)));
  const stripeAngle = rand() * Math.PI;
  const stripeSpacing = Math.max(6, Math.round((0.02 + rand() * 0.05) * Math.max(width, height)));
  const sin = Math.sin(stripeAngle);
  const cos = Math.cos(stripeAngle);

  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x / width + y / height) / 2;
      let r = from[0] + (to[0] - from[0]) * t;
      let g = from[1] + (to[1] - from[1]) * t;
      let b = from[2] + (to[2] - from[2]) * t;
      const d = Math.hypot(x - cx, y - cy);
      if (d % ringSpacing < ringSpacing * 0.18) {
        r = (r + ring[0]) / 2;
        g = (g + ring[1]) / 2;
        b = (b + ring[2]) / 2;
      } else if (Math.abs(x * cos + y * sin) % stripeSpacing < stripeSpacing * 0.1) {
        r *= 0.85;
        g *= 0.85;
        b *= 0.85;
      }
      const i = (y * width + x) * 3;
      out[i] = r;
      out[i + 1] = g;
      out[i + 2] = b;
    }
  }
  return out;
}

export function renderImage(prompt: string, width: number, height: number, index = 0): RenderedImage {
  return { png: encodePng(width, height, renderImagePixels(prompt, width, height, index)), width, height };
}
