import { ApiError } from "@/lib/errors";
import type { Catalog, TtsModel } from "@/lib/catalog";
import { encodeFlac } from "@/lib/providers/local/media/flac";
import { encodeMp3 } from "@/lib/providers/local/media/mp3";
import { SPEECH_SAMPLE_RATE, synthesizeSpeech } from "@/lib/providers/local/media/speech";
import { encodePcm16, encodeWav } from "@/lib/providers/local/media/wav";
import { callUpstreamBytes } from "@/lib/providers/upstream/client";
import { routeToProviders, type ProviderTrace } from "@/lib/providers/upstream/routing";

// Text-to-speech on the local simulator or an OpenAI-compatible upstream.

export const SPEECH_FORMATS = ["mp3", "opus", "aac", "flac", "wav", "pcm"] as const;
export type SpeechFormat = (typeof SPEECH_FORMATS)[number];
/**
 * What the local simulator can really encode (mp3 first: OpenAI's default); the others
 * (opus, aac: no encoder we can ship as plain JavaScript) get a 400 that says so.
 */
export const LOCAL_SPEECH_FORMATS: readonly SpeechFormat[] = ["mp3", "wav", "pcm", "flac"];
/** OpenAI's default when response_format is left out, for the simulator and upstreams alike. */
export const DEFAULT_SPEECH_FORMAT: SpeechFormat = "mp3";

const LOCAL_ENCODERS: Partial<Record<SpeechFormat, (samples: Int16Array) => Uint8Array | Promise<Uint8Array>>> = {
  mp3: (s) => encodeMp3(s, SPEECH_SAMPLE_RATE),
  wav: (s) => encodeWav(s, SPEECH_SAMPLE_RATE),
  flac: (s) => encodeFlac(s, SPEECH_SAMPLE_RATE),
  pcm: (s) => encodePcm16(s),
};

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
    const encode = LOCAL_ENCODERS[req.format];
    if (!encode) throw new RangeError(`the simulator cannot encode ${req.format}`); // the route refuses these first
    return { bytes: await encode(samples), contentType: SPEECH_CONTENT_TYPES[req.format] };
  }
  // As sent, model id mapped (the provider applies its own defaults to what was left out).
  const { max_cost: _mc, ...rest } = req.body;
  const { bytes, contentType } = await routeToProviders(catalog, req.model, req.trace, req.signal, (provider, providerModel) =>
    callUpstreamBytes(provider, { path: "/audio/speech", body: { ...rest, model: providerModel }, signal: req.signal, accept: "*/*" }),
  );
  if (bytes.length === 0) throw new ApiError("upstream_error", "The upstream speech server returned no audio.");
  return { bytes, contentType: contentType ?? SPEECH_CONTENT_TYPES[req.format] };
}
