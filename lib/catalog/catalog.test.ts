import { describe, expect, it } from "vitest";
import { buildCatalog, CatalogError, LOCAL_MODELS, loadCatalog, MODALITIES, type CatalogModel } from "./index";

const upstreamChat = (pricing: Record<string, unknown>) =>
  JSON.stringify([{ id: "llama", modality: "chat", pricing }]);

describe("model catalog", () => {
  it("has a local simulator for every modality, all complete", () => {
    const c = loadCatalog({});
    for (const modality of MODALITIES) {
      expect(c.models.some((m) => m.modality === modality && m.provider === "local" && m.id.startsWith("local/") && m.simulator)).toBe(true);
    }
    expect(c.upstream).toBeNull();
  });

  it("loads upstream models from the environment", () => {
    const c = loadCatalog({
      UPSTREAM_BASE_URL: "http://127.0.0.1:9/v1/",
      UPSTREAM_API_KEY: "k",
      UPSTREAM_MODELS: JSON.stringify([
        { id: "llama", modality: "chat", upstreamModel: "meta/llama", pricing: { inputMicroUsdPerMTokens: 200000, outputMicroUsdPerMTokens: "600000" } },
        { id: "sd", modality: "image", pricing: { microUsdPerImage: 40000 } },
      ]),
    });
    expect(c.upstream).toEqual({ baseUrl: "http://127.0.0.1:9/v1", apiKey: "k", timeoutMs: 60000 });
    expect(c.get("llama")).toMatchObject({ provider: "upstream", upstreamModel: "meta/llama", pricing: { inputMicroUsdPerMTokens: 200000n, outputMicroUsdPerMTokens: 600000n } });
    expect(c.get("sd")).toMatchObject({ upstreamModel: "sd", pricing: { microUsdPerImage: 40000n } });
  });

  it("refuses at start-up a model without a complete price: never served free", () => {
    const env = (pricing: Record<string, unknown>) => ({ UPSTREAM_BASE_URL: "http://x.test/v1", UPSTREAM_MODELS: upstreamChat(pricing) });
    expect(() => loadCatalog(env({ inputMicroUsdPerMTokens: 1 }))).toThrow(/outputMicroUsdPerMTokens/);
    expect(() => loadCatalog(env({ inputMicroUsdPerMTokens: 1 }))).toThrow(CatalogError);
    expect(() => loadCatalog(env({ inputMicroUsdPerMTokens: 0, outputMicroUsdPerMTokens: 1 }))).toThrow(/positive/);
    expect(() => loadCatalog(env({ inputMicroUsdPerMTokens: 0.5, outputMicroUsdPerMTokens: 1 }))).toThrow(/whole number/);
    expect(() => loadCatalog({ UPSTREAM_BASE_URL: "http://x.test/v1", UPSTREAM_MODELS: JSON.stringify([{ id: "v", modality: "video" }]) })).toThrow(/pricing/);

    // Built-in definitions go through the same check.
    const broken = { ...LOCAL_MODELS[0], id: "local/broken", pricing: { inputMicroUsdPerMTokens: 5n } } as unknown as CatalogModel;
    expect(() => buildCatalog([broken])).toThrow(/local\/broken: price outputMicroUsdPerMTokens is missing/);
    const numeric = { ...LOCAL_MODELS[3], id: "local/float", pricing: { microUsdPerImage: 0.02 } } as unknown as CatalogModel;
    expect(() => buildCatalog([numeric])).toThrow(/microUsdPerImage is missing/);
  });

  it("refuses other bad configuration with a message naming it", () => {
    expect(() => loadCatalog({ UPSTREAM_MODELS: "[]" })).toThrow(/UPSTREAM_BASE_URL/);
    expect(() => loadCatalog({ UPSTREAM_BASE_URL: "http://x.test", UPSTREAM_MODELS: "{nope" })).toThrow(/not valid JSON/);
    expect(() => loadCatalog({ UPSTREAM_BASE_URL: "http://x.test", UPSTREAM_MODELS: upstreamChat({ inputMicroUsdPerMTokens: 1, outputMicroUsdPerMTokens: 1 }).replace("llama", "local/x") })).toThrow(/reserved/);
    expect(() => buildCatalog([LOCAL_MODELS[0], LOCAL_MODELS[0]])).toThrow(/defined twice/);
  });
});
