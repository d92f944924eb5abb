import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { buildCatalog, LOCAL_MODELS, type CatalogModel } from "@/lib/catalog";
import { costFields, costMicroUsd, imagePriceMicroUsd, type Units } from "./cost";
import type { ImageModel, TextModel } from "@/lib/catalog";

// Issue 8, point 3: cost arithmetic as properties, for every modality, on the catalog's own
// models and on random prices. Compared with the exact rational cost (numerator /
// denominator in bigint, no floats anywhere):
//   - never negative, and 0 for no units;
//   - never below the exact cost, and above it by less than one micro-USD (rounded up once);
//   - monotone: more of any unit never costs less (so a reservation for the worst case
//     always covers the actual cost, whatever the request used);
//   - the USD number in usage.cost is the micro-USD integer to the last digit.
// The seed is printed by fast-check on failure; FUZZ_SEED replays.

const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const catalog = buildCatalog(LOCAL_MODELS);
const price = fc.bigInt(0n, 1_000_000_000n); // up to $1,000 per unit (per 1M tokens, image, second, character, minute)

const modelArb: fc.Arbitrary<CatalogModel> = fc.oneof(
  fc.constantFrom(...LOCAL_MODELS.map((m) => catalog.get(m.id)!)),
  fc
    .record({ i: price, o: price })
    .map(({ i, o }) => ({ ...catalog.get("local/echo-chat")!, pricing: { inputMicroUsdPerMTokens: i, outputMicroUsdPerMTokens: o } }) as CatalogModel),
  price.map((p) => ({ ...catalog.get("local/image-sim")!, pricing: { microUsdPerImage: p } }) as CatalogModel),
  price.map((p) => ({ ...catalog.get("local/video-sim")!, pricing: { microUsdPerSecond: p } }) as CatalogModel),
  price.map((p) => ({ ...catalog.get("local/tts-sim")!, pricing: { microUsdPerCharacter: p } }) as CatalogModel),
  price.map((p) => ({ ...catalog.get("local/stt-sim")!, pricing: { microUsdPerMinute: p } }) as CatalogModel),
  price.map((p) => ({ ...catalog.get("local/embed-sim")!, pricing: { inputMicroUsdPerMTokens: p } }) as CatalogModel),
);

const count = fc.nat({ max: 50_000_000 });
const unitsArb: fc.Arbitrary<Units> = fc.record(
  { inputTokens: count, outputTokens: count, images: fc.nat(10_000), videoSeconds: fc.nat(100_000), characters: count, audioMs: fc.nat(2_000_000_000) },
  { requiredKeys: [] },
);

/** The exact cost as a fraction (micro-USD), from the published unit definitions. */
function exact(model: CatalogModel, u: Units): { num: bigint; den: bigint } {
  const b = (v: number | undefined) => BigInt(v ?? 0);
  switch (model.modality) {
    case "chat":
    case "completion":
      return { num: b(u.inputTokens) * model.pricing.inputMicroUsdPerMTokens + b(u.outputTokens) * model.pricing.outputMicroUsdPerMTokens, den: 1_000_000n };
    case "image":
      return { num: b(u.images) * model.pricing.microUsdPerImage, den: 1n };
    case "video":
      return { num: b(u.videoSeconds) * model.pricing.microUsdPerSecond, den: 1n };
    case "tts":
      return { num: b(u.characters) * model.pricing.microUsdPerCharacter, den: 1n };
    case "stt":
      return { num: b(u.audioMs) * model.pricing.microUsdPerMinute, den: 60_000n };
    case "embedding":
      return { num: b(u.inputTokens) * model.pricing.inputMicroUsdPerMTokens, den: 1_000_000n };
  }
}

const UNIT_KEYS = ["inputTokens", "outputTokens", "images", "videoSeconds", "characters", "audioMs"] as const;
/** The units each modality is billed on (the others are ignored). */
const BILLED: Record<CatalogModel["modality"], (typeof UNIT_KEYS)[number][]> = {
  chat: ["inputTokens", "outputTokens"],
  completion: ["inputTokens", "outputTokens"],
  image: ["images"],
  video: ["videoSeconds"],
  tts: ["characters"],
  stt: ["audioMs"],
  embedding: ["inputTokens"],
};

describe("cost arithmetic (properties)", () => {
  it("never negative; zero units cost zero", () => {
    fc.assert(
      fc.property(modelArb, unitsArb, (model, u) => {
        expect(costMicroUsd(model, u) >= 0n).toBe(true);
        expect(costMicroUsd(model, {})).toBe(0n);
      }),
      { numRuns: 3000, seed },
    );
  });

  it("rounded up once: exact <= charged < exact + 1 micro-USD, compared as exact rationals", () => {
    fc.assert(
      fc.property(modelArb, unitsArb, (model, u) => {
        const charged = costMicroUsd(model, u);
        const { num, den } = exact(model, u);
        // charged >= num/den  and  charged - num/den < 1, without leaving integers:
        expect(charged * den >= num).toBe(true);
        expect(charged * den - num < den).toBe(true);
      }),
      { numRuns: 5000, seed },
    );
  });

  it("monotone in every unit: more of anything never costs less (the worst-case reservation covers the actual cost)", () => {
    fc.assert(
      fc.property(modelArb, unitsArb, fc.constantFrom(...UNIT_KEYS), fc.nat(5_000_000), (model, u, key, extra) => {
        const more = { ...u, [key]: (u[key] ?? 0) + extra };
        expect(costMicroUsd(model, more) >= costMicroUsd(model, u)).toBe(true);
      }),
      { numRuns: 5000, seed },
    );
  });

  it("sub-additive by less than one micro-USD: one request never costs more than its parts billed separately", () => {
    // Rounding once per request means splitting a request can only cost the client more.
    fc.assert(
      fc.property(modelArb, unitsArb, unitsArb, (model, a, b) => {
        const sum: Units = Object.fromEntries(UNIT_KEYS.map((k) => [k, (a[k] ?? 0) + (b[k] ?? 0)]));
        const whole = costMicroUsd(model, sum);
        const parts = costMicroUsd(model, a) + costMicroUsd(model, b);
        expect(whole <= parts).toBe(true);
        expect(parts - whole <= 1n).toBe(true);
      }),
      { numRuns: 3000, seed },
    );
  });

  it("usage.cost (USD number) is the micro-USD integer exactly, with at most 6 decimals", () => {
    fc.assert(
      fc.property(fc.bigInt(0n, 9_007_199_254n), (micro) => {
        const f = costFields(micro);
        expect(BigInt(f.cost_micro_usd)).toBe(micro);
        const [whole, frac = ""] = String(f.cost).split(".");
        expect(frac.length).toBeLessThanOrEqual(6);
        expect(BigInt(whole) * 1_000_000n + BigInt(frac.padEnd(6, "0"))).toBe(micro);
      }),
      { numRuns: 3000, seed },
    );
  });

  it("refuses impossible units (negative, fractional, unsafe) rather than computing a price for them", () => {
    fc.assert(
      fc.property(
        modelArb.chain((model) => fc.constantFrom(...BILLED[model.modality]).map((key) => ({ model, key }))),
        fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true, noNaN: true }), fc.constant(Number.NaN), fc.constant(2 ** 60)),
        ({ model, key }, bad) => {
          expect(() => costMicroUsd(model, { [key]: bad })).toThrow(RangeError);
        },
      ),
      { numRuns: 1000, seed },
    );
  });
});

describe("cached input and image prices by quality and size (properties)", () => {
  // A text model with a cached-input price at or below its input price (the catalog refuses more).
  const cachedModelArb = fc.record({ i: price, o: price, f: fc.integer({ min: 0, max: 100 }) }).map(
    ({ i, o, f }) =>
      ({
        ...catalog.get("local/echo-chat")!,
        pricing: { inputMicroUsdPerMTokens: i, outputMicroUsdPerMTokens: o, cachedInputMicroUsdPerMTokens: (i * BigInt(f)) / 100n },
      }) as TextModel,
  );
  const tokensArb = fc.record({ input: count, cachedShare: fc.integer({ min: 0, max: 100 }), output: count }).map(({ input, cachedShare, output }) => ({
    inputTokens: input,
    cachedInputTokens: Math.floor((input * cachedShare) / 100),
    outputTokens: output,
  }));

  it("cached tokens at the cached price, the rest at the input price, rounded up once", () => {
    fc.assert(
      fc.property(cachedModelArb, tokensArb, (model, u) => {
        const p = model.pricing;
        const num =
          BigInt(u.inputTokens - u.cachedInputTokens) * p.inputMicroUsdPerMTokens +
          BigInt(u.cachedInputTokens) * p.cachedInputMicroUsdPerMTokens! +
          BigInt(u.outputTokens) * p.outputMicroUsdPerMTokens;
        const charged = costMicroUsd(model, u);
        expect(charged * 1_000_000n >= num && charged * 1_000_000n - num < 1_000_000n).toBe(true);
      }),
      { numRuns: 3000, seed },
    );
  });

  it("a reservation without cache knowledge covers any cached outcome; a cached count above the input is clamped to it", () => {
    fc.assert(
      fc.property(cachedModelArb, tokensArb, fc.nat(1_000_000), (model, u, excess) => {
        const worst = costMicroUsd(model, { inputTokens: u.inputTokens, outputTokens: u.outputTokens });
        expect(costMicroUsd(model, u) <= worst).toBe(true);
        const clamped = costMicroUsd(model, { ...u, cachedInputTokens: u.inputTokens + excess });
        expect(clamped).toBe(costMicroUsd(model, { ...u, cachedInputTokens: u.inputTokens }));
      }),
      { numRuns: 3000, seed },
    );
  });

  const qualities = ["low", "medium", "high", "*"];
  const sizes = ["1024x1024", "1024x1536", "1536x1024", "*"];
  const imageModelArb = fc
    .record({
      base: price,
      rules: fc.array(fc.record({ quality: fc.constantFrom(...qualities), size: fc.constantFrom(...sizes), microUsdPerImage: price }), { maxLength: 8 }),
    })
    .map(({ base, rules }) => ({ ...catalog.get("local/image-sim")!, pricing: { microUsdPerImage: base, byQualityAndSize: rules } }) as ImageModel);
  const known = (v: string[]) => fc.constantFrom(...v.filter((x) => x !== "*"), "other");

  it("a known quality and size cost the first matching rule (else the base price), per image", () => {
    fc.assert(
      fc.property(imageModelArb, known(qualities), known(sizes), fc.nat(10), (model, q, sz, n) => {
        const rule = model.pricing.byQualityAndSize!.find((r) => (r.quality === "*" || r.quality === q) && (r.size === "*" || r.size === sz));
        const each = rule ? rule.microUsdPerImage : model.pricing.microUsdPerImage;
        expect(costMicroUsd(model, { images: n, imageQuality: q, imageSize: sz })).toBe(BigInt(n) * each);
      }),
      { numRuns: 3000, seed },
    );
  });

  it("left to the provider (quality or size unknown), the reservation covers whatever it picks", () => {
    fc.assert(
      fc.property(imageModelArb, known(qualities), known(sizes), fc.boolean(), fc.boolean(), (model, q, sz, hideQ, hideS) => {
        const reserved = imagePriceMicroUsd(model, hideQ ? undefined : q, hideS ? undefined : sz);
        expect(reserved >= imagePriceMicroUsd(model, q, sz)).toBe(true);
      }),
      { numRuns: 3000, seed },
    );
  });
});
