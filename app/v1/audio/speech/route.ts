import { ApiError, maxCostFrom, readJson, resolveModel, withApiKey, otherMethods } from "@/lib/api";
import { costHeaders } from "@/lib/metering/cost";
import { countCharacters } from "@/lib/providers/local/media/speech";
import { DEFAULT_SPEECH_FORMAT, LOCAL_SPEECH_FORMATS, synthesize } from "@/lib/providers/media/speech";
import { speechBody } from "./schema";

export const dynamic = "force-dynamic";

// Billed per character of input (Unicode code points). The audio is the body, so the
// cost travels in x-cost-usd / x-cost-micro-usd headers.
export const POST = withApiKey(async (ctx) => {
  const body = await readJson(ctx.req, speechBody);
  const model = resolveModel(ctx.catalog, body.model, "tts");
  const characters = countCharacters(body.input);
  if (characters > model.limits.maxInputCharacters) {
    throw new ApiError("invalid_request", `'input' is ${characters} characters long; ${model.id} accepts at most ${model.limits.maxInputCharacters}.`, {
      param: "input",
    });
  }
  // mp3 when left out, as OpenAI does. The simulator encodes mp3, wav, pcm and flac for real.
  const format = body.response_format ?? DEFAULT_SPEECH_FORMAT;
  if (model.provider === "local" && !LOCAL_SPEECH_FORMATS.includes(format)) {
    throw new ApiError(
      "invalid_request",
      `Invalid value for 'response_format': the simulator ${model.id} cannot produce ${format}. Supported: ${LOCAL_SPEECH_FORMATS.join(", ")}.`,
      {
        param: "response_format",
      },
    );
  }

  const meter = await ctx.openMeter({ model, worstCase: { characters }, maxCostMicroUsd: maxCostFrom(ctx.req, body.max_cost) });
  const audio = await synthesize(ctx.catalog, {
    model,
    input: body.input,
    voice: body.voice ?? "alloy",
    speed: body.speed ?? 1,
    format,
    body,
    signal: ctx.req.signal,
    trace: meter.trace,
  });
  const { chargedMicroUsd } = await meter.settle({ units: { characters } });
  return new Response(audio.bytes as BodyInit, {
    headers: { "content-type": audio.contentType, "content-length": String(audio.bytes.byteLength), ...costHeaders(chargedMicroUsd) },
  });
});

// Any other method: a 405 in the OpenAI error shape naming the ones this route takes.
export const { GET, PUT, PATCH, DELETE } = otherMethods("POST");
