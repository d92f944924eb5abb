import { ApiError, json, maxCostFrom, readFormData, resolveModel, withApiKey, otherMethods, textBody } from "@/lib/api";
import { modelsByModality } from "@/lib/catalog";
import { costFields, costHeaders } from "@/lib/metering/cost";
import { AudioDecodeError, probeAudio } from "@/lib/media/audio-duration";
import {
  TIMESTAMP_GRANULARITIES,
  TRANSCRIPTION_FORMATS,
  transcribe,
  type TimestampGranularity,
  type TranscriptionFormat,
} from "@/lib/providers/media/transcription";

export const dynamic = "force-dynamic";

const MULTIPART_OVERHEAD_BYTES = 1024 * 1024; // room for the other form fields and boundaries
// Form fields we interpret; any other text field is forwarded to an upstream model. A
// client-sent duration is deliberately NOT among them: it is never used for billing.
const OWN_FIELDS = new Set(["file", "model", "response_format", "max_cost"]);

// Billed per minute of input audio, measured from the uploaded file: ceil(ms × price / 60000).
export const POST = withApiKey(async (ctx) => {
  const maxAudioBytes = Math.max(...modelsByModality(ctx.catalog, "stt").map((m) => m.limits.maxAudioBytes), 0);
  const form = await readFormData(ctx.req, { maxBytes: maxAudioBytes + MULTIPART_OVERHEAD_BYTES });

  const modelId = form.get("model");
  if (typeof modelId !== "string" || !modelId) throw new ApiError("invalid_request", "Missing required parameter: 'model'.", { param: "model" });
  const model = resolveModel(ctx.catalog, modelId, "stt");
  const file = form.get("file");
  if (!(file instanceof File)) {
    throw new ApiError("invalid_request", "Missing required parameter: 'file' (the audio, uploaded as a file part of multipart/form-data).", { param: "file" });
  }
  if (file.size > model.limits.maxAudioBytes) {
    throw new ApiError(
      "payload_too_large",
      `The audio file is ${file.size} bytes; ${model.id} accepts files up to ${model.limits.maxAudioBytes} bytes (25 MB).`,
      {
        param: "file",
      },
    );
  }
  const formatField = form.get("response_format") ?? "json";
  if (typeof formatField !== "string" || !(TRANSCRIPTION_FORMATS as readonly string[]).includes(formatField)) {
    throw new ApiError("invalid_request", `Invalid value for 'response_format': expected one of ${TRANSCRIPTION_FORMATS.join(", ")}.`, {
      param: "response_format",
    });
  }
  const format = formatField as TranscriptionFormat;
  const granularities = timestampGranularities(form, format);

  const bytes = new Uint8Array(await file.arrayBuffer());
  let durationMs: number;
  try {
    durationMs = (await probeAudio(bytes)).durationMs;
  } catch (err) {
    if (err instanceof AudioDecodeError) throw new ApiError("invalid_request", `The audio file could not be decoded: ${err.message}`, { param: "file" });
    throw err;
  }
  if (durationMs > model.limits.maxAudioSeconds * 1000) {
    throw new ApiError(
      "invalid_request",
      `The audio is ${Math.ceil(durationMs / 1000)} s long; ${model.id} accepts at most ${model.limits.maxAudioSeconds} s.`,
      {
        param: "file",
      },
    );
  }

  const maxCostField = form.get("max_cost");
  const meter = await ctx.openMeter({
    model,
    worstCase: { audioMs: durationMs },
    maxCostMicroUsd: maxCostFrom(ctx.req, typeof maxCostField === "string" ? maxCostField : undefined),
  });
  // Every value of a repeated field is kept, in order (timestamp_granularities[] twice).
  const fields: Array<[string, string]> = [];
  for (const [k, v] of form.entries()) if (!OWN_FIELDS.has(k) && typeof v === "string") fields.push([k, v]);
  const result = await transcribe(ctx.catalog, { model, file, bytes, durationMs, format, fields, granularities, signal: ctx.req.signal, trace: meter.trace });
  const { chargedMicroUsd } = await meter.settle({ units: { audioMs: durationMs } });

  if ("json" in result) {
    return json({ ...result.json, usage: { type: "duration", seconds: durationMs / 1000, ...costFields(chargedMicroUsd) } });
  }
  const headers = new Headers({ "content-type": result.contentType, "x-audio-duration-ms": String(durationMs), ...costHeaders(chargedMicroUsd) });
  return new Response(textBody(result.text, headers), { headers });
});

/** `timestamp_granularities[]` (as the SDKs send it) or `timestamp_granularities`, every value. */
function timestampGranularities(form: FormData, format: TranscriptionFormat): TimestampGranularity[] {
  const param = "timestamp_granularities[]";
  const values = [...form.getAll(param), ...form.getAll("timestamp_granularities")];
  if (!values.length) return ["segment"];
  for (const v of values) {
    if (typeof v !== "string" || !(TIMESTAMP_GRANULARITIES as readonly string[]).includes(v)) {
      throw new ApiError("invalid_request", `Invalid value for '${param}': expected word and/or segment.`, { param });
    }
  }
  if (format !== "verbose_json") {
    throw new ApiError("invalid_request", `'${param}' needs response_format 'verbose_json' (got '${format}').`, { param });
  }
  return [...new Set(values as TimestampGranularity[])];
}

// Any other method: a 405 in the OpenAI error shape naming the ones this route takes.
export const { GET, PUT, PATCH, DELETE } = otherMethods("POST");
