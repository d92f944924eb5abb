import { AudioDecodeError } from "./errors";
import { checkEbml, checkIsoBmff, isEbml, isIsoBmff } from "./containers";
import { measureFlac } from "./flac";
import { looksLikeMpegAudio, measureMpegAudio, skipId3v2 } from "./mp3";
import { isWav, parseWav } from "./wav";

// The duration of uploaded audio, measured from the bytes and nothing else: whatever the
// client says about its file (a duration field, a file name, a MIME type) is never used to
// bill. WAV, FLAC and MP3 are measured exactly by our own parsers (frames present, not
// headers' claims); OGG, M4A/MP4 and WebM through music-metadata with truncation checks.

export { AudioDecodeError } from "./errors";

export type AudioProbe = { durationMs: number; format: string };

export async function probeAudio(bytes: Uint8Array): Promise<AudioProbe> {
  if (bytes.length === 0) throw new AudioDecodeError("The audio file is empty.");
  if (isWav(bytes)) return { durationMs: parseWav(bytes).durationMs, format: "wav" };
  const afterTags = skipId3v2(bytes);
  if (afterTags + 4 <= bytes.length && String.fromCharCode(...bytes.subarray(afterTags, afterTags + 4)) === "fLaC") {
    return { durationMs: measureFlac(bytes, afterTags).durationMs, format: "flac" };
  }
  if (looksLikeMpegAudio(bytes)) return { durationMs: measureMpegAudio(bytes).durationMs, format: "mp3" };
  if (isIsoBmff(bytes)) checkIsoBmff(bytes);
  if (isEbml(bytes)) checkEbml(bytes);
  return probeWithMusicMetadata(bytes);
}

async function probeWithMusicMetadata(bytes: Uint8Array): Promise<AudioProbe> {
  const { parseBuffer } = await import("music-metadata");
  let meta: Awaited<ReturnType<typeof parseBuffer>>;
  try {
    // No MIME type or file name: the format is sniffed from the content alone.
    meta = await parseBuffer(bytes, { size: bytes.length }, { duration: true, skipCovers: true });
  } catch {
    throw new AudioDecodeError("The file could not be decoded as audio. Supported formats: flac, m4a, mp3, mp4, mpeg, mpga, oga, ogg, wav, webm.");
  }
  if (meta.quality.warnings.some((w) => /end-of-stream|unexpected end|truncat/i.test(w.message))) {
    throw new AudioDecodeError("The audio file is truncated: its stream ends before its last page.");
  }
  const seconds = meta.format.duration;
  if (meta.format.hasAudio === false || seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) {
    throw new AudioDecodeError("The file contains no measurable audio.");
  }
  const format = (meta.format.container ?? "audio").toLowerCase();
  return { durationMs: Math.ceil(seconds * 1000), format };
}
