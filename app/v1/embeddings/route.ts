import { ApiError, json, maxCostFrom, readJson, resolveModel, withApiKey, otherMethods } from "@/lib/api";
import { costFields } from "@/lib/metering/cost";
import { embed } from "@/lib/providers/embeddings";
import { encodeText } from "@/lib/providers/text/tokens";
import { embeddingBody } from "./schema";

export const dynamic = "force-dynamic";

// Billed per input token. A simulator's count is ours, exact; an upstream provider bills with
// its own tokenizer, never more tokens than the UTF-8 bytes of a text (or the ids of a token
// array), plus a few special tokens per input: that bound is held (lib/providers/text/prompt-bound.ts).
const SPECIAL_TOKENS_PER_INPUT = 8;
export const POST = withApiKey(async (ctx) => {
  const body = await readJson(ctx.req, embeddingBody);
  const model = resolveModel(ctx.catalog, body.model, "embedding");
  const { limits } = model;

  const raw = typeof body.input === "string" || typeof body.input[0] === "number" ? [body.input as string | number[]] : (body.input as (string | number[])[]);
  if (raw.length > limits.maxInputs) {
    throw new ApiError("invalid_request", `Too many inputs: ${raw.length}. ${model.id} takes at most ${limits.maxInputs} inputs per request.`, {
      param: "input",
    });
  }
  const inputs = raw.map((x) => (typeof x === "string" ? encodeText(x) : x));
  let inputTokens = 0;
  inputs.forEach((tokens, i) => {
    if (tokens.length > limits.maxInputTokens) {
      throw new ApiError(
        "invalid_request",
        `Input ${i} has ${tokens.length} tokens; ${model.id} takes at most ${limits.maxInputTokens} tokens per input. Split it into smaller pieces.`,
        { param: "input" },
      );
    }
    inputTokens += tokens.length;
  });
  if (inputTokens > limits.maxRequestTokens) {
    throw new ApiError(
      "invalid_request",
      `The inputs have ${inputTokens} tokens together; ${model.id} takes at most ${limits.maxRequestTokens} per request. Send fewer inputs per request.`,
      {
        param: "input",
      },
    );
  }
  const dimensions = body.dimensions ?? limits.dimensions;
  if (dimensions > limits.dimensions) {
    throw new ApiError(
      "invalid_request",
      `Invalid value for 'dimensions': ${dimensions}. ${model.id} makes vectors of at most ${limits.dimensions} dimensions.`,
      {
        param: "dimensions",
      },
    );
  }

  const meter = await ctx.openMeter({
    model,
    worstCase: {
      inputTokens:
        model.provider === "local"
          ? inputTokens
          : Math.max(
              inputTokens,
              raw.reduce((n: number, x) => n + (typeof x === "string" ? Buffer.byteLength(x) : x.length) + SPECIAL_TOKENS_PER_INPUT, 0),
            ),
    },
    maxCostMicroUsd: maxCostFrom(ctx.req, body.max_cost),
  });
  const result = await embed(ctx.catalog, {
    model,
    body,
    inputs,
    inputTokens,
    dimensions,
    encodingFormat: body.encoding_format ?? "float",
    signal: ctx.req.signal,
    trace: meter.trace,
  });
  const { chargedMicroUsd } = await meter.settle({ units: { inputTokens: result.inputTokens }, source: result.source });
  return json({
    object: "list",
    data: result.data,
    model: model.id,
    usage: { prompt_tokens: result.inputTokens, total_tokens: result.inputTokens, ...costFields(chargedMicroUsd, result.source) },
  });
});

// Any other method: a 405 in the OpenAI error shape naming the ones this route takes.
export const { GET, PUT, PATCH, DELETE } = otherMethods("POST");
