import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { buildCatalog, LOCAL_MODELS, type CatalogModel } from "@/lib/catalog";
import { affordableOutputTokens, costFields, costHeaders, costMicroUsd } from "./cost";

const catalog = buildCatalog(LOCAL_MODELS);
const m = (id: string) => catalog.get(id)!;
const text = (input: bigint, output: bigint): CatalogModel => ({
  id: "t",
  modality: "chat",
  provider: "local",
  simulator: true,
  description: "",
  pricing: { inputMicroUsdPerMTokens: input, outputMicroUsdPerMTokens: output },
  limits: { contextTokens: 100, maxOutputTokens: 50, defaultMaxTokens: 10 },
});

describe("exact costs from catalog prices", () => {
  it("text: Σ tokens × price per 1M, rounded up once per request", () => {
    // echo-chat: $0.10 in / $0.40 out per 1M: 12 in + 5 out = (1.2 + 2.0) µ$ → 4 µ$ (not 2 + 2).
    expect(costMicroUsd(m("local/echo-chat"), { inputTokens: 12, outputTokens: 5 })).toBe(4n);
    // lorem-chat: $0.50 / $1.50: 1000 in + 1000 out = 500 + 1500 = exactly 2000 µ$, no rounding.
    expect(costMicroUsd(m("local/lorem-chat"), { inputTokens: 1000, outputTokens: 1000 })).toBe(2000n);
    // 1 token in: 0.5 µ$ → 1 µ$; zero tokens cost zero.
    expect(costMicroUsd(m("local/lorem-chat"), { inputTokens: 1 })).toBe(1n);
    expect(costMicroUsd(m("local/lorem-chat"), {})).toBe(0n);
    // A million output tokens costs exactly the per-million price.
    expect(costMicroUsd(m("local/lorem-chat"), { outputTokens: 1_000_000 })).toBe(1_500_000n);
  });

  it("image: per image; video: per second; tts: per character; stt: per minute, rounded up once", () => {
    expect(costMicroUsd(m("local/image-sim"), { images: 3 })).toBe(60_000n);
    expect(costMicroUsd(m("local/video-sim"), { videoSeconds: 7 })).toBe(350_000n);
    expect(costMicroUsd(m("local/tts-sim"), { characters: 1234 })).toBe(18_510n);
    expect(costMicroUsd(m("local/stt-sim"), { audioMs: 60_000 })).toBe(6_000n);
    // 90.5 s at $0.006/min = 9050 µ$ exactly; 1 ms = 0.1 µ$ → 1 µ$.
    expect(costMicroUsd(m("local/stt-sim"), { audioMs: 90_500 })).toBe(9_050n);
    expect(costMicroUsd(m("local/stt-sim"), { audioMs: 1 })).toBe(1n);
  });

  it("never under-charges and rounds up by less than one micro-USD (property)", () => {
    fc.assert(
      fc.property(fc.bigInt(1n, 100_000_000n), fc.bigInt(1n, 100_000_000n), fc.nat(2_000_000), fc.nat(2_000_000), (pi, po, i, o) => {
        const exact = BigInt(i) * pi + BigInt(o) * po; // in µ$ × 1e6
        const c = costMicroUsd(text(pi, po), { inputTokens: i, outputTokens: o });
        return c * 1_000_000n >= exact && (c - 1n) * 1_000_000n < exact + (exact === 0n ? 1_000_000n : 0n);
      }),
    );
  });

  it("affordable output: the largest max_tokens whose worst case fits the budget", () => {
    fc.assert(
      fc.property(fc.bigInt(1n, 10_000_000n), fc.bigInt(1n, 10_000_000n), fc.nat(100_000), fc.bigInt(0n, 10_000_000n), (pi, po, i, budget) => {
        const model = text(pi, po);
        const out = affordableOutputTokens(model, i, budget);
        if (out === 0) return costMicroUsd(model, { inputTokens: i, outputTokens: 1 }) > budget;
        return costMicroUsd(model, { inputTokens: i, outputTokens: out }) <= budget && costMicroUsd(model, { inputTokens: i, outputTokens: out + 1 }) > budget;
      }),
    );
  });

  it("usage fields and headers: USD number with ≤ 6 decimals and the integer", () => {
    expect(costFields(123_456n)).toEqual({ cost: 0.123456, cost_micro_usd: 123456, cost_source: "provider" });
    expect(costFields(5n, "estimate")).toMatchObject({ cost_micro_usd: 5, cost_source: "estimate" });
    expect(JSON.stringify(costFields(1n))).toBe('{"cost":0.000001,"cost_micro_usd":1,"cost_source":"provider"}');
    expect(costHeaders(2_500_000n)).toEqual({ "x-cost-usd": "2.5", "x-cost-micro-usd": "2500000" });
  });

  it("refuses nonsense units", () => {
    expect(() => costMicroUsd(m("local/echo-chat"), { inputTokens: -1 })).toThrow(RangeError);
    expect(() => costMicroUsd(m("local/image-sim"), { images: 1.5 })).toThrow(RangeError);
  });
});
