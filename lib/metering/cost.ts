import type { CatalogModel } from "@/lib/catalog";
import { ceilDiv, microToUsdNumber } from "@/lib/money";

// A request's cost is Σ units × price / unit-size, computed exactly in bigint and rounded
// up ONCE, to a whole micro-USD, per request. Rounding each part separately would
// overcharge by up to a micro-USD per part; rounding down would give work away.

/** Units a request consumed (or, for a reservation, may consume). Missing means 0. */
export type Units = {
  inputTokens?: number;
  outputTokens?: number;
  images?: number;
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
      const numerator = n(units.inputTokens, "inputTokens") * p.inputMicroUsdPerMTokens + n(units.outputTokens, "outputTokens") * p.outputMicroUsdPerMTokens;
      return ceilDiv(numerator, TOKENS_PER_PRICE_UNIT);
    }
    case "image":
      return n(units.images, "images") * model.pricing.microUsdPerImage;
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

/** The `usage` fields every metered JSON response carries. */
export function costFields(costMicro: bigint): { cost: number; cost_micro_usd: number } {
  return { cost: microToUsdNumber(costMicro), cost_micro_usd: Number(costMicro) };
}

/** Header names for responses that are not JSON (audio bytes, video content). */
export const COST_HEADER = "x-cost-usd";
export const COST_MICRO_HEADER = "x-cost-micro-usd";

export function costHeaders(costMicro: bigint): Record<string, string> {
  return { [COST_HEADER]: String(microToUsdNumber(costMicro)), [COST_MICRO_HEADER]: costMicro.toString() };
}
