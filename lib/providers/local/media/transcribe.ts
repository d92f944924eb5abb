import { digest, prng } from "./seed";

// The local speech-to-text simulator: it cannot understand audio, so it says so, then
// "transcribes" a deterministic sequence of words derived from the file's hash, about
// 2.5 words per second of measured audio, split into ~5 s segments.

const WORDS = (
  "the a platform model metered request credit balance audio signal sample minute second " +
  "token price ledger reserve settle simulator voice river window garden morning quiet " +
  "bright signal harbor lantern meadow silver copper paper orange purple gentle rapid"
).split(" ");

export type TranscriptSegment = { id: number; start: number; end: number; text: string };
export type Transcript = { text: string; durationSeconds: number; language: string; segments: TranscriptSegment[] };

export function simulateTranscript(audio: Uint8Array, durationMs: number): Transcript {
  const rand = prng(digest("transcribe", audio).readUInt32LE(0));
  const seconds = durationMs / 1000;
  const segments: TranscriptSegment[] = [];
  const SEGMENT_SECONDS = 5;
  for (let start = 0, id = 0; start < seconds; start += SEGMENT_SECONDS, id++) {
    const end = Math.min(seconds, start + SEGMENT_SECONDS);
    const count = Math.max(1, Math.round((end - start) * 2.5));
    const words = Array.from({ length: count }, () => WORDS[Math.floor(rand() * WORDS.length)]);
    const sentence = words.join(" ");
    segments.push({ id, start, end, text: sentence.charAt(0).toUpperCase() + sentence.slice(1) + "." });
  }
  const header = `[Simulated transcript of ${seconds.toFixed(2)} s of audio]`;
  return { text: [header, ...segments.map((s) => s.text)].join(" "), durationSeconds: seconds, language: "english", segments };
}

function timestamp(seconds: number, sep: "," | "."): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(h)}:${pad(m)}:${pad(s)}${sep}${pad(ms % 1000, 3)}`;
}

/** SubRip subtitles, as OpenAI's `response_format: "srt"`. */
export function toSrt(t: Transcript): string {
  return t.segments.map((s, i) => `${i + 1}\n${timestamp(s.start, ",")} --> ${timestamp(s.end, ",")}\n${s.text}\n`).join("\n");
}

/** WebVTT subtitles, as OpenAI's `response_format: "vtt"`. */
export function toVtt(t: Transcript): string {
  return `WEBVTT\n\n${t.segments.map((s) => `${timestamp(s.start, ".")} --> ${timestamp(s.end, ".")}\n${s.text}\n`).join("\n")}`;
}
