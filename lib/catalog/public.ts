import { microToUsdNumber, microToUsdString } from "@/lib/money";
import type { CatalogModel } from "./types";

// How prices are shown: GET /v1/models and the pricing page both read these, so the
// public numbers are the biller's numbers.

export type PriceLine = { unit: string; label: string; microUsd: bigint };

export function priceLines(m: CatalogModel): PriceLine[] {
  switch (m.modality) {
    case "chat":
    case "completion":
      return [
        { unit: "1m_input_tokens", label: "per 1M input tokens", microUsd: m.pricing.inputMicroUsdPerMTokens },
        ...(m.pricing.cachedInputMicroUsdPerMTokens !== undefined
          ? [{ unit: "1m_cached_input_tokens", label: "per 1M cached input tokens", microUsd: m.pricing.cachedInputMicroUsdPerMTokens }]
          : []),
        { unit: "1m_output_tokens", label: "per 1M output tokens", microUsd: m.pricing.outputMicroUsdPerMTokens },
      ];
    case "image":
      return [
        ...(m.pricing.byQualityAndSize ?? []).map((r) => ({
          unit: `image_${r.quality === "*" ? "any" : r.quality}_${r.size === "*" ? "any" : r.size}`,
          label: `per image, quality ${r.quality === "*" ? "any" : r.quality}, size ${r.size === "*" ? "any" : r.size}`,
          microUsd: r.microUsdPerImage,
        })),
        { unit: "image", label: m.pricing.byQualityAndSize?.length ? "per image, other quality or size" : "per image", microUsd: m.pricing.microUsdPerImage },
      ];
    case "video":
      return [{ unit: "second", label: "per second of output video", microUsd: m.pricing.microUsdPerSecond }];
    case "tts":
      return [{ unit: "character", label: "per character of input text", microUsd: m.pricing.microUsdPerCharacter }];
    case "stt":
      return [{ unit: "minute", label: "per minute of input audio", microUsd: m.pricing.microUsdPerMinute }];
    case "embedding":
      return [{ unit: "1m_input_tokens", label: "per 1M input tokens", microUsd: m.pricing.inputMicroUsdPerMTokens }];
  }
}

export function limitLines(m: CatalogModel): string[] {
  switch (m.modality) {
    case "chat":
    case "completion":
      return [
        `context ${m.limits.contextTokens.toLocaleString("en-US")} tokens`,
        `max output ${m.limits.maxOutputTokens.toLocaleString("en-US")} tokens`,
        ...(m.simulator ? [`writes ${m.limits.defaultMaxTokens.toLocaleString("en-US")} tokens when no max_tokens is set`] : []),
        ...(m.input?.images ? ["takes images"] : []),
        ...(m.input?.audio ? ["takes audio"] : []),
      ];
    case "image":
      return [`up to ${m.limits.maxImagesPerRequest} images per request`, `sizes ${m.limits.sizes.join(", ")}`];
    case "video":
      return [`up to ${m.limits.maxSeconds} s (default ${m.limits.defaultSeconds} s)`];
    case "tts":
      return [`up to ${m.limits.maxInputCharacters.toLocaleString("en-US")} characters`];
    case "stt":
      return [`up to ${Math.round(m.limits.maxAudioBytes / 1024 / 1024)} MB, ${Math.round(m.limits.maxAudioSeconds / 60)} min`];
    case "embedding":
      return [
        `${m.limits.dimensions.toLocaleString("en-US")} dimensions (fewer with dimensions)`,
        `up to ${m.limits.maxInputTokens.toLocaleString("en-US")} tokens per input, ${m.limits.maxInputs.toLocaleString("en-US")} inputs and ${m.limits.maxRequestTokens.toLocaleString("en-US")} tokens per request`,
      ];
  }
}

export const usdLabel = (micro: bigint) => `$${microToUsdString(micro)}`;

/** One model as GET /v1/models lists it: OpenAI's fields plus modality, prices and limits. */
export function publicModel(m: CatalogModel) {
  return {
    id: m.id,
    object: "model" as const,
    created: 0,
    owned_by: m.provider === "local" ? "local-simulator" : "upstream",
    modality: m.modality,
    simulator: m.simulator,
    description: m.description,
    pricing: Object.fromEntries(priceLines(m).map((p) => [p.unit, { micro_usd: Number(p.microUsd), usd: microToUsdNumber(p.microUsd) }])),
    limits: m.limits,
  };
}
