import { ApiError } from "@/lib/errors";
import type { Catalog, TtsModel } from "@/lib/catalog";
import { encodeFlac } from "@/lib/providers/local/media/flac";
import { SPEECH_SAMPLE_RATE, synthesizeSpeech } from "@/lib/providers/local/media/speech";
import { encodePcm16, encodeWav } from "@/lib/providers/local/media/wav";
import { callUpstreamBytes } from "@/lib/providers/upstream/client";
import { routeToProviders, type ProviderTrace } from "@/lib/providers/upstream/routing";

// Text-to-speech on the local simulator or an OpenAI-compatible upstream.

export const SPEECH_FORMATS = ["mp3", "opus", "aac", "flac", "wav", "pcm"] as const;
export type SpeechFormat = (typeof SPEECH_FORMATS)[number];
/** What the local simulator can really encode; the others get a 400 that says so. */
export const LOCAL_SPEECH_FORMATS: readonly SpeechFormat[] = ["wav", "pcm", "flac"];

export const SPEECH_CONTENT_TYPES: Record<SpeechFormat, string> = {
  mp3: "audio/mpeg",
  opus: "audio/ogg",
  aac: "audio/aac",
  flac: "audio/flac",
  wav: "audio/wav",
  pcm: `audio/L16; rate=${SPEECH_SAMPLE_RATE}; channels=1`,
};

export type SpeechRequest = {
  model: TtsModel;
  input: string;
  voice: string;
  speed: number;
  format: SpeechFormat;
  body: Record<string, unknown>;
  signal: AbortSignal;
  trace: ProviderTrace;
};

export async function synthesize(catalog: Catalog, req: SpeechRequest): Promise<{ bytes: Uint8Array; contentType: string }> {
  if (req.model.provider === "local") {
    const samples = synthesizeSpeech(req.input, { voice: req.voice, speed: req.speed });
    const bytes =
      req.format === "wav" ? encodeWav(samples, SPEECH_SAMPLE_RATE) : req.format === "flac" ? encodeFlac(samples, SPEECH_SAMPLE_RATE) : encodePcm16(samples);
    return { bytes, contentType: SPEECH_CONTENT_TYPES[req.format] };
  }
  // As sent, model id mapped (the provider applies its own defaults to what was left out).
  const { max_cost: _mc, ...rest } = req.body;
  const { bytes, contentType } = await routeToProviders(catalog, req.model, req.trace, req.signal, (provider, providerModel) =>
    callUpstreamBytes(provider, { path: "/audio/speech", body: { ...rest, model: providerModel }, signal: req.signal, accept: "*/*" }),
  );
  if (bytes.length === 0) throw new ApiError("upstream_error", "The upstream speech server returned no audio.");
  return { bytes, contentType: contentType ?? SPEECH_CONTENT_TYPES[req.format] };
}
