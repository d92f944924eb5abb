import { ApiError } from "@/lib/errors";
import type { Catalog, SttModel } from "@/lib/catalog";
import { simulateTranscript, toSrt, toVtt } from "@/lib/providers/local/media/transcribe";
import { callUpstream } from "@/lib/providers/upstream/client";
import { routeToProviders, type ProviderTrace } from "@/lib/providers/upstream/routing";

// Speech-to-text on the local simulator or an OpenAI-compatible upstream. Either way the
// request is billed on OUR measurement of the audio, never on what the upstream reports.

export const TRANSCRIPTION_FORMATS = ["json", "text", "verbose_json", "srt", "vtt"] as const;
export type TranscriptionFormat = (typeof TRANSCRIPTION_FORMATS)[number];
export const TIMESTAMP_GRANULARITIES = ["word", "segment"] as const;
export type TimestampGranularity = (typeof TIMESTAMP_GRANULARITIES)[number];

export type TranscriptionRequest = {
  model: SttModel;
  file: File;
  bytes: Uint8Array;
  durationMs: number;
  format: TranscriptionFormat;
  /**
   * Other form fields (language, prompt, timestamp_granularities[], ...) for the upstream,
   * in order, repeated fields once per value (the SDK sends arrays as `name[]` parts).
   */
  fields: Array<[string, string]>;
  /** timestamp_granularities for verbose_json (default: segment). */
  granularities: readonly TimestampGranularity[];
  signal: AbortSignal;
  trace: ProviderTrace;
};

/** A JSON object (json, verbose_json) or a text body (text, srt, vtt). */
export type TranscriptionResult = { json: Record<string, unknown> } | { text: string; contentType: string };

export async function transcribe(catalog: Catalog, req: TranscriptionRequest): Promise<TranscriptionResult> {
  if (req.model.provider === "local") {
    const t = simulateTranscript(req.bytes, req.durationMs);
    switch (req.format) {
      case "json":
        return { json: { text: t.text } };
      case "verbose_json":
        return {
          json: {
            task: "transcribe",
            language: t.language,
            duration: t.durationSeconds,
            text: t.text,
            ...(req.granularities.includes("word") ? { words: wordTimestamps(t.segments) } : {}),
            ...(req.granularities.includes("segment")
              ? { segments: t.segments.map((s) => ({ ...s, seek: 0, tokens: [], temperature: 0, avg_logprob: 0, compression_ratio: 1, no_speech_prob: 0 })) }
              : {}),
          },
        };
      case "text":
        return { text: t.text + "\n", contentType: "text/plain; charset=utf-8" };
      case "srt":
        return { text: toSrt(t), contentType: "text/plain; charset=utf-8" };
      case "vtt":
        return { text: toVtt(t), contentType: "text/vtt; charset=utf-8" };
    }
  }
  const form = new FormData();
  for (const [k, v] of req.fields) form.append(k, v);
  form.set("response_format", req.format);
  form.set("file", new Blob([req.bytes as BlobPart], { type: req.file.type || "application/octet-stream" }), req.file.name || "audio");
  const { res, deadline } = await routeToProviders(catalog, req.model, req.trace, req.signal, (provider, providerModel) => {
    form.set("model", providerModel);
    return callUpstream(provider, { path: "/audio/transcriptions", body: form, signal: req.signal, accept: "*/*" });
  });
  try {
    const text = await res.text();
    if (req.format === "json" || req.format === "verbose_json") {
      try {
        const json = JSON.parse(text) as Record<string, unknown>;
        if (json && typeof json === "object") return { json };
      } catch {}
      throw new ApiError("upstream_error", "The upstream transcription server answered with invalid JSON.");
    }
    return { text, contentType: res.header("content-type") ?? "text/plain; charset=utf-8" };
  } finally {
    deadline.clear();
  }
}

/** The simulator's words, each given an equal share of its segment's time. */
function wordTimestamps(segments: { start: number; end: number; text: string }[]) {
  return segments.flatMap((s) => {
    const words = s.text.replace(/[.]$/, "").split(" ");
    const step = (s.end - s.start) / words.length;
    return words.map((word, i) => ({ word, start: s.start + i * step, end: s.start + (i + 1) * step }));
  });
}
