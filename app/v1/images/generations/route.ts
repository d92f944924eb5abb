import { countTextTokens } from "@/lib/providers/text/tokens";
import { ApiError, json, maxCostFrom, readJson, resolveModel, withApiKey, otherMethods } from "@/lib/api";
import { IMAGE_URL_TTL_SECONDS, storeArtifact } from "@/lib/media/artifacts";
import { costFields } from "@/lib/metering/cost";
import { generateImages } from "@/lib/providers/media/images";
import { imageBody } from "./schema";

const RESPONSE_SIZES = new Set(["1024x1024", "1024x1536", "1536x1024"]);

export const dynamic = "force-dynamic";

// Billed per image: n images are reserved up front, the images actually returned are charged.
export const POST = withApiKey(async (ctx) => {
  const body = await readJson(ctx.req, imageBody);
  const model = resolveModel(ctx.catalog, body.model, "image");
  const n = body.n ?? 1;
  if (n > model.limits.maxImagesPerRequest) {
    throw new ApiError("invalid_request", `Invalid value for 'n': ${model.id} makes at most ${model.limits.maxImagesPerRequest} images per request.`, { param: "n" });
  }
  const sizes = model.limits.sizes;
  const size = !body.size || body.size === "auto" ? (sizes.includes("1024x1024") ? "1024x1024" : sizes[0]) : body.size;
  if (!sizes.includes(size)) {
    throw new ApiError("invalid_request", `Invalid value for 'size': '${body.size}'. ${model.id} supports ${sizes.join(", ")}.`, { param: "size" });
  }
  const [width, height] = size.split("x").map(Number);
  const responseFormat = body.response_format ?? "b64_json";

  const meter = await ctx.openMeter({ model, worstCase: { images: n }, maxCostMicroUsd: maxCostFrom(ctx.req, body.max_cost) });
  const images = await generateImages(ctx.catalog, { model, prompt: body.prompt, n, width, height, responseFormat, body, signal: ctx.req.signal });
  if (images.length === 0) throw new ApiError("upstream_error", "The image model returned no images; nothing was charged.");

  const origin = process.env.APP_URL || new URL(ctx.req.url).origin;
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
  const { chargedMicroUsd } = await meter.settle({ units: { images: images.length } });
  // usage in OpenAI's shape (ImageGenUsage: the prompt's tokens; we bill per image, so no
  // output tokens), with the images billed and our cost beside it.
  const promptTokens = countTextTokens(body.prompt);
  return json({
    created: Math.floor(Date.now() / 1000),
    data,
    // The published schema types `size` as one of gpt-image's three sizes: other sizes are
    // left out rather than sent as a value typed clients cannot represent.
    ...(RESPONSE_SIZES.has(size) ? { size } : {}),
    output_format: "png",
    usage: {
      input_tokens: promptTokens,
      output_tokens: 0,
      total_tokens: promptTokens,
      input_tokens_details: { text_tokens: promptTokens, image_tokens: 0 },
      images: images.length,
      ...costFields(chargedMicroUsd),
    },
  });
});

// Any other method: a 405 in the OpenAI error shape naming the ones this route takes.
export const { GET, PUT, PATCH, DELETE } = otherMethods("POST");
