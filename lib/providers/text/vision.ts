import { ApiError } from "@/lib/errors";
import type { TextModel } from "@/lib/catalog";

// Image (and audio) input in chat messages: which models take it, and the most it can cost.
// Image tokens follow OpenAI's published formula: detail "low" is 85 tokens; "high"/"auto":
// the image is scaled to fit 2048×2048, then so its shortest side is 768 px, and costs 170
// per 512-px tile plus 85. The dimensions come from the image's own header for data: URLs
// (PNG, JPEG, GIF, WebP); for http(s) URLs we do not download the image, and reserve the
// largest count the detail level allows. The provider's reported usage settles the request.

export const LOW_DETAIL_TOKENS = 85;
const TILE_TOKENS = 170;
/** The most a high/auto-detail image can cost: 768×2048 after scaling, 2×4 tiles. */
export const MAX_IMAGE_TOKENS = 8 * TILE_TOKENS + LOW_DETAIL_TOKENS;

/** OpenAI's token count for one image of width×height at a detail level. */
export function imageTokens(detail: string | undefined, width?: number, height?: number): number {
  if (detail === "low") return LOW_DETAIL_TOKENS;
  if (!width || !height) return MAX_IMAGE_TOKENS;
  let [w, h] = [width, height];
  if (Math.max(w, h) > 2048) [w, h] = [(w * 2048) / Math.max(w, h), (h * 2048) / Math.max(w, h)];
  if (Math.min(w, h) > 768) [w, h] = [(w * 768) / Math.min(w, h), (h * 768) / Math.min(w, h)];
  return Math.ceil(w / 512) * Math.ceil(h / 512) * TILE_TOKENS + LOW_DETAIL_TOKENS;
}

/** Width and height from a PNG, JPEG, GIF or WebP header, or null. */
export function imageDimensions(b: Buffer): { width: number; height: number } | null {
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47) return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  if (b.length >= 10 && b.toString("latin1", 0, 4) === "GIF8") return { width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
  if (b.length >= 30 && b.toString("latin1", 0, 4) === "RIFF" && b.toString("latin1", 8, 12) === "WEBP") {
    const kind = b.toString("latin1", 12, 16);
    if (kind === "VP8X") return { width: 1 + b.readUIntLE(24, 3), height: 1 + b.readUIntLE(27, 3) };
    if (kind === "VP8 ") return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
    if (kind === "VP8L") {
      const bits = b.readUInt32LE(21);
      return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
    return null;
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    // Walk the JPEG segments to the first start-of-frame marker (SOF0-SOF15 but DHT/JPG/DAC).
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return null;
      const marker = b[i + 1];
      if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01 || marker === 0xff) {
        i += marker === 0xff ? 1 : 2;
        continue;
      }
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { width: b.readUInt16BE(i + 7), height: b.readUInt16BE(i + 5) };
      }
      i += 2 + b.readUInt16BE(i + 2);
    }
  }
  return null;
}

/** The image's dimensions when its URL is a base64 data: URL with a readable header. */
function dataUrlDimensions(url: string): { width: number; height: number } | null {
  const m = /^data:image\/[a-z0-9.+-]+;base64,/i.exec(url);
  if (!m) return null;
  // The header is in the first few KB; JPEG's frame marker may follow large EXIF blocks.
  const head = Buffer.from(url.slice(m[0].length, m[0].length + 88_000), "base64");
  return imageDimensions(head);
}

/** Worst-case audio tokens of an input_audio part: OpenAI counts ~10 tokens per second. */
const AUDIO_TOKENS_PER_SECOND = 10;
/** Without a header we can read, the lowest bitrate we assume (8 kbit/s) bounds the duration. */
const MIN_AUDIO_BYTES_PER_SECOND = 1_000;

function audioSeconds(base64: string, format: unknown): number {
  const bytes = Buffer.from(base64.slice(0, 64), "base64");
  const total = Math.floor((base64.length * 3) / 4);
  if (format === "wav" && bytes.length >= 44 && bytes.toString("latin1", 0, 4) === "RIFF") {
    const byteRate = bytes.readUInt32LE(28);
    if (byteRate > 0) return Math.ceil(total / byteRate);
  }
  return Math.ceil(total / MIN_AUDIO_BYTES_PER_SECOND);
}

type Part = { type?: unknown; image_url?: { url?: unknown; detail?: unknown } | unknown; input_audio?: { data?: unknown; format?: unknown } };

/**
 * Checks the non-text content parts against what the model takes (a 400 naming the part
 * otherwise) and returns the most tokens they can add to the prompt.
 */
export function mediaInputTokens(messages: readonly { content?: unknown }[], model: TextModel): number {
  let tokens = 0;
  for (const [i, m] of messages.entries()) {
    if (!Array.isArray(m.content)) continue;
    for (const [j, part] of (m.content as Part[]).entries()) {
      const param = `messages[${i}].content[${j}]`;
      if (part?.type === "text") continue;
      if (part?.type === "image_url") {
        if (!model.input?.images)
          throw new ApiError(
            "invalid_request",
            `${model.id} does not take image input: remove the image_url part (${param}) or use a model that takes images.`,
            { param },
          );
        const img = (typeof part.image_url === "string" ? { url: part.image_url } : part.image_url) as { url?: unknown; detail?: unknown } | undefined;
        if (typeof img?.url !== "string")
          throw new ApiError("invalid_request", `${param}.image_url.url must be a string (an https URL or a data: URL).`, { param: `${param}.image_url.url` });
        const detail = typeof img.detail === "string" ? img.detail : undefined;
        const dims = detail === "low" ? null : dataUrlDimensions(img.url);
        tokens += imageTokens(detail, dims?.width, dims?.height);
        continue;
      }
      if (part?.type === "input_audio") {
        if (!model.input?.audio)
          throw new ApiError("invalid_request", `${model.id} does not take audio input: remove the input_audio part (${param}).`, { param });
        const data = part.input_audio?.data;
        if (typeof data !== "string")
          throw new ApiError("invalid_request", `${param}.input_audio.data must be base64 audio.`, { param: `${param}.input_audio.data` });
        tokens += audioSeconds(data, part.input_audio?.format) * AUDIO_TOKENS_PER_SECOND;
        continue;
      }
      throw new ApiError(
        "invalid_request",
        `Content parts of type '${String(part?.type)}' are not supported (${param}); send text${model.input?.images ? " or image_url" : ""} parts.`,
        {
          param: `${param}.type`,
        },
      );
    }
  }
  return tokens;
}
