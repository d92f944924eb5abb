import { countTextTokens } from "@/lib/providers/text/tokens";
import { ApiError, json, maxCostFrom, readJson, resolveModel, withApiKey, otherMethods } from "@/lib/api";
import { IMAGE_URL_TTL_SECONDS, storeArtifact } from "@/lib/media/artifacts";
import { costFields } from "@/lib/metering/cost";
import { generateImages } from "@/lib/providers/media/images";
import { appOrigin } from "@/lib/env";
import { imageBody } from "./schema";

const RESPONSE_SIZES = new Set(["1024x1024", "1024x1536", "1536x1024"]);
const RESPONSE_QUALITIES = new Set(["low", "medium", "high"]);

export const dynamic = "force-dynamic";

// Billed per image: n images are reserved up front, the images actually returned are charged.
export const POST = withApiKey(async (ctx) => {
  const body = await readJson(ctx.req, imageBody);
  const model = resolveModel(ctx.catalog, body.model, "image");
  const n = body.n ?? 1;
  if (n > model.limits.maxImagesPerRequest) {
    throw new ApiError("invalid_request", `Invalid value for 'n': ${model.id} makes at most ${model.limits.maxImagesPerRequest} images per request.`, {
      param: "n",
    });
  }
  const sizes = model.limits.sizes;
  const asked = body.size && body.size !== "auto" ? body.size : undefined;
  if (asked && !sizes.includes(asked)) {
    throw new ApiError("invalid_request", `Invalid value for 'size': '${body.size}'. ${model.id} supports ${sizes.join(", ")}.`, { param: "size" });
  }
  const quality = typeof body.quality === "string" && body.quality !== "auto" ? body.quality : undefined;
  // The simulator renders at a size we pick; a provider gets the client's body as sent.
  const size = asked ?? (model.provider === "local" ? (sizes.includes("1024x1024") ? "1024x1024" : sizes[0]) : undefined);
  const [width, height] = (size ?? sizes[0]).split("x").map(Number);
  const responseFormat = body.response_format ?? "b64_json";

  // Priced by quality and size where the model says so; what the client left to the provider is reserved at its worst.
  const meter = await ctx.openMeter({
    model,
    worstCase: { images: n, imageQuality: quality, imageSize: size },
    maxCostMicroUsd: maxCostFrom(ctx.req, body.max_cost),
  });
  const result = await generateImages(ctx.catalog, {
    model,
    prompt: body.prompt,
    n,
    width,
    height,
    responseFormat,
    body,
    signal: ctx.req.signal,
    trace: meter.trace,
  });
  const images = result.images;
  if (images.length === 0) throw new ApiError("upstream_error", "The image model returned no images; nothing was charged.");

  const origin = appOrigin(ctx.req.url);
  const data = [];
  for (const img of images) {
    if ("png" in img) {
      if (responseFormat === "b64_json") data.push({ b64_json: img.png.toString("base64"), revised_prompt: body.prompt });
      else {
        const id = await storeArtifact(ctx.db, { accountId: ctx.key.accountId, contentType: "image/png", bytes: img.png, ttlSeconds: IMAGE_URL_TTL_SECONDS });
        data.push({ url: new URL(`/artifacts/${id}`, origin).toString(), revised_prompt: body.prompt });
      }
    } else if ("b64Json" in img) data.push({ b64_json: img.b64Json, revised_prompt: img.revisedPrompt });
    else data.push({ url: img.url, revised_prompt: img.revisedPrompt });
  }
  const billedQuality = result.quality && result.quality !== "auto" ? result.quality : quality;
  const billedSize = result.size && result.size !== "auto" ? result.size : size;
  const { chargedMicroUsd } = await meter.settle({ units: { images: images.length, imageQuality: billedQuality, imageSize: billedSize } });
  // usage in OpenAI's shape (ImageGenUsage): the provider's when it reported one, else the
  // prompt's tokens (we bill per image, so no output tokens); the images billed and our cost beside it.
  const promptTokens = countTextTokens(body.prompt);
  return json({
    created: Math.floor(Date.now() / 1000),
    data,
    // The published schema types `size` as one of gpt-image's three sizes: other sizes are
    // left out rather than sent as a value typed clients cannot represent.
    ...(billedSize && RESPONSE_SIZES.has(billedSize) ? { size: billedSize } : {}),
    ...(billedQuality && RESPONSE_QUALITIES.has(billedQuality) ? { quality: billedQuality } : {}),
    ...(model.provider === "local" ? { output_format: "png" } : {}),
    usage: {
      ...(result.providerUsage ?? {
        input_tokens: promptTokens,
        output_tokens: 0,
        total_tokens: promptTokens,
        input_tokens_details: { text_tokens: promptTokens, image_tokens: 0 },
      }),
      images: images.length,
      ...costFields(chargedMicroUsd),
    },
  });
});

// Any other method: a 405 in the OpenAI error shape naming the ones this route takes.
export const { GET, PUT, PATCH, DELETE } = otherMethods("POST");
