import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildCatalog, CatalogError, LOCAL_MODELS, loadCatalog, MODALITIES, type CatalogModel } from "./index";

const upstreamChat = (pricing: Record<string, unknown>) => JSON.stringify([{ id: "llama", modality: "chat", pricing }]);

describe("model catalog", () => {
  it("has a local simulator for every modality, all complete", () => {
    const c = loadCatalog({});
    for (const modality of MODALITIES) {
      expect(c.models.some((m) => m.modality === modality && m.provider === "local" && m.id.startsWith("local/") && m.simulator)).toBe(true);
    }
    expect(c.providers.size).toBe(0);
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
    expect(c.providers.get("upstream")).toEqual({
      id: "upstream",
      baseUrl: "http://127.0.0.1:9/v1",
      apiKey: "k",
      headers: {},
      timeoutMs: 60000,
      firstByteTimeoutMs: 60000,
      breaker: { failures: 5, cooldownMs: 30000 },
    });
    expect(c.get("llama")).toMatchObject({
      provider: "upstream",
      upstreamModel: "meta/llama",
      routes: [{ provider: "upstream", model: "meta/llama" }],
      pricing: { inputMicroUsdPerMTokens: 200000n, outputMicroUsdPerMTokens: 600000n },
    });
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
    expect(() =>
      loadCatalog({
        UPSTREAM_BASE_URL: "http://x.test",
        UPSTREAM_MODELS: upstreamChat({ inputMicroUsdPerMTokens: 1, outputMicroUsdPerMTokens: 1 }).replace("llama", "local/x"),
      }),
    ).toThrow(/reserved/);
    expect(() => buildCatalog([LOCAL_MODELS[0], LOCAL_MODELS[0]])).toThrow(/defined twice/);
  });

  it("several providers from PROVIDERS and PROVIDERS_FILE: each model routed to its providers in order, keys from the environment", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "providers-"));
    const file = path.join(dir, "providers.json");
    fs.writeFileSync(
      file,
      JSON.stringify({
        providers: [{ id: "backup", baseUrl: "http://10.0.0.5:8000/v1/", headers: { "X-Team": "a" }, firstByteTimeoutMs: 2000 }],
        models: [
          {
            id: "img",
            modality: "image",
            providers: [{ provider: "backup" }],
            pricing: { microUsdPerImage: 1, byQualityAndSize: [{ quality: "high", size: "1024x1024", microUsdPerImage: 9 }] },
          },
        ],
      }),
    );
    const c = loadCatalog({
      PROVIDERS_FILE: file,
      OPENAI_KEY: "sk-1",
      PROVIDERS: JSON.stringify({
        providers: [{ id: "openai", baseUrl: "https://api.openai.com/v1", apiKeyEnv: "OPENAI_KEY", breaker: { failures: 2, cooldownMs: 500 } }],
        models: [
          {
            id: "gpt-4o-mini",
            modality: "chat",
            providers: [
              { provider: "openai", model: "gpt-4o-mini-2024-07-18" },
              { provider: "backup", model: "qwen" },
            ],
            pricing: { inputMicroUsdPerMTokens: 150000, outputMicroUsdPerMTokens: 600000, cachedInputMicroUsdPerMTokens: 75000 },
            limits: { contextTokens: 128000, maxOutputTokens: 16384 },
            input: { images: true },
          },
        ],
      }),
    });
    expect(c.providers.get("openai")).toMatchObject({ apiKey: "sk-1", firstByteTimeoutMs: 60000, breaker: { failures: 2, cooldownMs: 500 } });
    expect(c.providers.get("backup")).toMatchObject({ baseUrl: "http://10.0.0.5:8000/v1", apiKey: null, headers: { "X-Team": "a" }, firstByteTimeoutMs: 2000 });
    expect(c.get("gpt-4o-mini")).toMatchObject({
      routes: [
        { provider: "openai", model: "gpt-4o-mini-2024-07-18" },
        { provider: "backup", model: "qwen" },
      ],
      pricing: { cachedInputMicroUsdPerMTokens: 75000n },
      limits: { maxOutputTokens: 16384, defaultMaxTokens: 16384 },
      input: { images: true },
    });
    expect(c.get("img")).toMatchObject({
      routes: [{ provider: "backup", model: "img" }],
      pricing: { byQualityAndSize: [{ quality: "high", size: "1024x1024", microUsdPerImage: 9n }] },
    });
  });

  it("refuses bad provider configuration at start with the path of the bad field", () => {
    const providers = (x: unknown) => ({ PROVIDERS: JSON.stringify(x) });
    const ok = { id: "p", baseUrl: "http://p.test/v1" };
    const chat = { id: "m", modality: "chat", providers: [{ provider: "p" }], pricing: { inputMicroUsdPerMTokens: 1, outputMicroUsdPerMTokens: 1 } };
    expect(() => loadCatalog(providers({ providers: [{ ...ok, baseUrl: "ftp://x" }] }))).toThrow(/PROVIDERS: providers\.0\.baseUrl: must be an http\(s\) URL/);
    expect(() => loadCatalog(providers({ providers: [{ ...ok, timeoutMs: -1 }] }))).toThrow(/PROVIDERS: providers\.0\.timeoutMs/);
    expect(() => loadCatalog(providers({ providers: [{ ...ok, colour: "red" }] }))).toThrow(/PROVIDERS: providers\.0: .*colour/);
    expect(() => loadCatalog(providers({ providers: [ok, ok] }))).toThrow(/id "p" is defined twice/);
    expect(() => loadCatalog(providers({ providers: [{ ...ok, apiKeyEnv: "NOPE_KEY" }] }))).toThrow(/apiKeyEnv: the variable NOPE_KEY is not set/);
    expect(() => loadCatalog(providers({ providers: [ok], models: [{ ...chat, providers: [{ provider: "q" }] }] }))).toThrow(
      /models\.0 \(m\)\.providers\.0\.provider: unknown provider "q"/,
    );
    expect(() => loadCatalog(providers({ providers: [ok], models: [{ ...chat, providers: undefined }] }))).toThrow(/models\.0 \(m\)\.providers: required/);
    expect(() => loadCatalog(providers({ providers: [ok], models: [{ ...chat, pricing: { inputMicroUsdPerMTokens: 1 } }] }))).toThrow(
      /PROVIDERS: models\.0\.pricing\.outputMicroUsdPerMTokens/,
    );
    expect(() => loadCatalog({ PROVIDERS: "{" })).toThrow(/PROVIDERS is not valid JSON/);
    expect(() => loadCatalog({ PROVIDERS_FILE: "/nonexistent/providers.json" })).toThrow(/PROVIDERS_FILE: cannot read/);
  });
});
