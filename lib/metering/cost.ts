import type { CatalogModel, ImageModel } from "@/lib/catalog";
import { ceilDiv, microToUsdNumber } from "@/lib/money";

// A request's cost is Σ units × price / unit-size, computed exactly in bigint and rounded
// up ONCE, to a whole micro-USD, per request. Rounding each part separately would
// overcharge by up to a micro-USD per part; rounding down would give work away.

/** Units a request consumed (or, for a reservation, may consume). Missing means 0. */
export type Units = {
  inputTokens?: number;
  /** Of inputTokens, those served from the provider's prompt cache (the cached-input price, if the model has one). */
  cachedInputTokens?: number;
  outputTokens?: number;
  /** Of outputTokens, the model's reasoning: billed as output (recorded, not priced apart). */
  reasoningTokens?: number;
  images?: number;
  /** The images' quality and size, for models priced by them (absent: the worst case of the model's prices). */
  imageQuality?: string;
  imageSize?: string;
  videoSeconds?: number;
  characters?: number;
  /** Input audio duration in milliseconds, measured from the file itself. */
  audioMs?: number;
};

const TOKENS_PER_PRICE_UNIT = 1_000_000n; // text prices are per million tokens
const MS_PER_MINUTE = 60_000n; // stt prices are per minute of audio

function n(v: number | undefined, what: string): bigint {
  const x = v ?? 0;
  if (!Number.isSafeInteger(x) || x < 0) throw new RangeError(`${what} must be a non-negative integer, got ${v}`);
  return BigInt(x);
}

/** The exact cost of `units` on `model`, in micro-USD, rounded up once. */
export function costMicroUsd(model: CatalogModel, units: Units): bigint {
  switch (model.modality) {
    case "chat":
    case "completion": {
      const p = model.pricing;
      const input = n(units.inputTokens, "inputTokens");
      // Cached tokens are part of the input count; more cached than input is the provider's
      // inconsistency, never a reason to bill less than the input's cached price.
      const cachedReported = n(units.cachedInputTokens, "cachedInputTokens");
      const cached = cachedReported < input ? cachedReported : input;
      const cachedPrice = p.cachedInputMicroUsdPerMTokens ?? p.inputMicroUsdPerMTokens;
      const numerator =
        (input - cached) * p.inputMicroUsdPerMTokens + cached * cachedPrice + n(units.outputTokens, "outputTokens") * p.outputMicroUsdPerMTokens;
      return ceilDiv(numerator, TOKENS_PER_PRICE_UNIT);
    }
    case "image":
      return n(units.images, "images") * imagePriceMicroUsd(model, units.imageQuality, units.imageSize);
    case "video":
      return n(units.videoSeconds, "videoSeconds") * model.pricing.microUsdPerSecond;
    case "tts":
      return n(units.characters, "characters") * model.pricing.microUsdPerCharacter;
    case "stt":
      return ceilDiv(n(units.audioMs, "audioMs") * model.pricing.microUsdPerMinute, MS_PER_MINUTE);
    case "embedding":
      return ceilDiv(n(units.inputTokens, "inputTokens") * model.pricing.inputMicroUsdPerMTokens, TOKENS_PER_PRICE_UNIT);
  }
}

/**
 * The price of one image: the first rule matching its quality and size ("*" matches any),
 * else the model's base price. An unknown quality or size (the client left it to the
 * provider) is priced at the most any rule for the known part could cost: a reservation
 * never undershoots.
 */
export function imagePriceMicroUsd(model: ImageModel, quality: string | undefined, size: string | undefined): bigint {
  const rules = model.pricing.byQualityAndSize ?? [];
  const fits = (rule: string, v: string | undefined) => rule === "*" || v === undefined || rule === v;
  const matching = rules.filter((r) => fits(r.quality, quality) && fits(r.size, size));
  if (quality !== undefined && size !== undefined) {
    const exact = rules.find((r) => (r.quality === "*" || r.quality === quality) && (r.size === "*" || r.size === size));
    return exact ? exact.microUsdPerImage : model.pricing.microUsdPerImage;
  }
  // Something unknown: the worst case among the rules it could match, and the base price
  // (which applies when none matches).
  let worst = model.pricing.microUsdPerImage;
  for (const r of matching) if (r.microUsdPerImage > worst) worst = r.microUsdPerImage;
  return worst;
}

/**
 * The largest output a text request can afford within `budgetMicroUsd` after paying for
 * its input: the biggest `out` with ceil((in·pIn + out·pOut) / 1e6) <= budget, i.e.
 * in·pIn + out·pOut <= budget·1e6. 0 when even the input alone is unaffordable.
 */
export function affordableOutputTokens(model: CatalogModel, inputTokens: number, budgetMicroUsd: bigint): number {
  if (model.modality !== "chat" && model.modality !== "completion") return 0;
  const room = budgetMicroUsd * TOKENS_PER_PRICE_UNIT - BigInt(inputTokens) * model.pricing.inputMicroUsdPerMTokens;
  if (room <= 0n) return 0;
  const out = room / model.pricing.outputMicroUsdPerMTokens;
  return out > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(out);
}

/** Where a charge's units came from: the provider's report, or our estimate (none reported). */
export type CostSource = "provider" | "estimate";

/** The `usage` fields every metered JSON response carries. */
export function costFields(costMicro: bigint, source: CostSource = "provider"): { cost: number; cost_micro_usd: number; cost_source: CostSource } {
  return { cost: microToUsdNumber(costMicro), cost_micro_usd: Number(costMicro), cost_source: source };
}

/** Header names for responses that are not JSON (audio bytes, video content). */
export const COST_HEADER = "x-cost-usd";
export const COST_MICRO_HEADER = "x-cost-micro-usd";

export function costHeaders(costMicro: bigint): Record<string, string> {
  return { [COST_HEADER]: String(microToUsdNumber(costMicro)), [COST_MICRO_HEADER]: costMicro.toString() };
}
