import { audioMinutes, formatInt } from "./format";

// The unit rows of a request's detail page: only the unit types that apply to it (its
// modality's own units, always, and any other unit it was billed for), not every type at 0.

export type DetailUnits = {
  modality: string;
  inputTokens: number | bigint;
  outputTokens: number | bigint;
  images: number | bigint;
  videoSeconds: number | bigint;
  characters: number | bigint;
  audioMs: number | bigint;
};

/** The modality's own units, always shown (a chat answer of 0 output tokens still says so). */
const PRIMARY: Record<string, (keyof DetailUnits)[]> = {
  chat: ["inputTokens", "outputTokens"],
  completion: ["inputTokens", "outputTokens"],
  embedding: ["inputTokens"],
  image: ["images"],
  video: ["videoSeconds"],
  tts: ["characters"],
  stt: ["audioMs"],
};

export function unitRows(e: DetailUnits): [label: string, value: string, testId: string][] {
  const primary = PRIMARY[e.modality] ?? [];
  const shown = (k: keyof DetailUnits) => primary.includes(k) || Number(e[k]) !== 0;
  const out: [string, string, string][] = [];
  if (shown("inputTokens")) out.push(["Input tokens", formatInt(e.inputTokens as number | bigint), "detail-input-tokens"]);
  if (shown("outputTokens")) out.push(["Output tokens", formatInt(e.outputTokens as number | bigint), "detail-output-tokens"]);
  if (shown("images")) out.push(["Images", formatInt(e.images as number | bigint), "detail-images"]);
  if (shown("videoSeconds")) out.push(["Video seconds", formatInt(e.videoSeconds as number | bigint), "detail-video-seconds"]);
  if (shown("characters")) out.push(["Characters", formatInt(e.characters as number | bigint), "detail-characters"]);
  if (shown("audioMs"))
    out.push(["Audio", `${formatInt(e.audioMs as number | bigint)} ms (${audioMinutes(e.audioMs as number | bigint)} min)`, "detail-audio"]);
  return out;
}
