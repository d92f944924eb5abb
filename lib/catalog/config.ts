import fs from "node:fs";
import { z } from "zod";
import { MODALITIES, type CatalogModel, type ProviderConfig, type ProviderRoute } from "./types";

// Upstream providers and the models they serve, from configuration. Two ways, usable together:
//
// 1. Any number of providers, as JSON in PROVIDERS (environment) and/or the file named by
//    PROVIDERS_FILE:
//      {"providers": [{"id": "openai", "baseUrl": "https://api.openai.com/v1", "apiKeyEnv": "OPENAI_API_KEY",
//                      "headers": {"OpenAI-Organization": "org-…"}, "firstByteTimeoutMs": 20000, "timeoutMs": 60000},
//                     {"id": "backup", "baseUrl": "http://10.0.0.5:8000/v1"}],
//       "models": [{"id": "gpt-4o-mini", "modality": "chat",
//                   "providers": [{"provider": "openai", "model": "gpt-4o-mini-2024-07-18"}, {"provider": "backup"}],
//                   "pricing": {"inputMicroUsdPerMTokens": 150000, "outputMicroUsdPerMTokens": 600000,
//                               "cachedInputMicroUsdPerMTokens": 75000},
//                   "cost": {"inputMicroUsdPerMTokens": 120000, "outputMicroUsdPerMTokens": 480000},
//                   "limits": {"contextTokens": 128000, "maxOutputTokens": 16384}, "input": {"images": true}}]}
//    A model's providers are tried in order; "model" is the id that provider knows it by
//    (default: the public id). "apiKey" may be given inline, or "apiKeyEnv" names the
//    variable holding it (keeps secrets out of the file).
// 2. One provider, the shorthand kept from before (its id is "upstream"):
//      UPSTREAM_BASE_URL, UPSTREAM_API_KEY, UPSTREAM_TIMEOUT_MS, UPSTREAM_MODELS (a JSON array of models;
//      "upstreamModel" is the provider's id for the model). Its models may also name other providers.
//
// Prices are integer micro-USD (numbers or digit strings). A model without a complete price
// is refused: nothing is ever served free by omission. `cost` (optional, same fields as the
// model's `pricing`, 0 allowed) is what the provider charges us, for the operator's margin
// report (lib/billing/margin.ts); a route may carry its own `cost` for that provider
// ("providers": [{"provider": "backup", "cost": {...}}]). Every problem is reported with the
// path of the bad field, e.g. `PROVIDERS: models.2.pricing.outputMicroUsdPerMTokens: ...`.

const price = z
  .union([z.number().int(), z.string().regex(/^\d+$/)], { error: "must be a whole number of micro-USD (a price is required)" })
  .transform((v) => BigInt(v))
  .refine((v) => v > 0n, "must be a positive whole number of micro-USD");
// What the provider charges us (`cost`, beside `pricing`): same fields, 0 allowed (a provider
// may give, say, cached input away).
const costPrice = z
  .union([z.number().int(), z.string().regex(/^\d+$/)], { error: "must be a whole number of micro-USD" })
  .transform((v) => BigInt(v))
  .refine((v) => v >= 0n, "must be a non-negative whole number of micro-USD");
const count = z.number().int().positive();
const ms = z.number().int().positive().max(3_600_000);

// A route's `cost` overrides the model's for that provider; validated against the model's
// modality below (its path is reported like any other).
const route = z.strictObject({ provider: z.string().min(1), model: z.string().min(1).optional(), cost: z.unknown().optional() });

const base = {
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, "must be 1-128 characters of letters, digits and . _ : / -")
    .refine((id) => !id.startsWith("local/"), "the local/ prefix is reserved for built-in simulators"),
  upstreamModel: z.string().min(1).optional(),
  providers: z.array(route).min(1, "must name at least one provider").optional(),
  description: z.string().optional(),
};

const imageRuleOf = (p: typeof price | typeof costPrice) =>
  z.strictObject({ quality: z.string().min(1).default("*"), size: z.string().min(1).default("*"), microUsdPerImage: p });

/** Each modality's price fields, with `p` as the price (pricing: positive; cost: non-negative). */
const priceShapes = (p: typeof price | typeof costPrice) => ({
  text: z.strictObject({ inputMicroUsdPerMTokens: p, outputMicroUsdPerMTokens: p, cachedInputMicroUsdPerMTokens: p.optional() }),
  image: z.strictObject({ microUsdPerImage: p, byQualityAndSize: z.array(imageRuleOf(p)).optional() }),
  video: z.strictObject({ microUsdPerSecond: p }),
  tts: z.strictObject({ microUsdPerCharacter: p }),
  embedding: z.strictObject({ inputMicroUsdPerMTokens: p }),
  stt: z.strictObject({ microUsdPerMinute: p }),
});
const costShapes = priceShapes(costPrice);
const costSchemaOf = (modality: (typeof MODALITIES)[number]) => (modality === "chat" || modality === "completion" ? costShapes.text : costShapes[modality]);

const imageRule = imageRuleOf(price);

const modelSchema = z.discriminatedUnion("modality", [
  z.object({
    ...base,
    modality: z.enum(["chat", "completion"]),
    pricing: z.object({ inputMicroUsdPerMTokens: price, outputMicroUsdPerMTokens: price, cachedInputMicroUsdPerMTokens: price.optional() }),
    cost: costShapes.text.optional(),
    limits: z
      .object({ contextTokens: count.default(8192), maxOutputTokens: count.default(4096), defaultMaxTokens: count.optional() })
      .default({ contextTokens: 8192, maxOutputTokens: 4096 }),
    input: z.strictObject({ images: z.boolean().optional(), audio: z.boolean().optional() }).optional(),
  }),
  z.object({
    ...base,
    modality: z.literal("image"),
    pricing: z.object({ microUsdPerImage: price, byQualityAndSize: z.array(imageRule).optional() }),
    cost: costShapes.image.optional(),
    limits: z
      .object({ maxImagesPerRequest: count.default(4), sizes: z.array(z.string()).default(["1024x1024"]) })
      .default({ maxImagesPerRequest: 4, sizes: ["1024x1024"] }),
  }),
  z.object({
    ...base,
    modality: z.literal("video"),
    pricing: z.object({ microUsdPerSecond: price }),
    cost: costShapes.video.optional(),
    limits: z.object({ maxSeconds: count.default(20), defaultSeconds: count.default(4) }).default({ maxSeconds: 20, defaultSeconds: 4 }),
  }),
  z.object({
    ...base,
    modality: z.literal("tts"),
    pricing: z.object({ microUsdPerCharacter: price }),
    cost: costShapes.tts.optional(),
    limits: z.object({ maxInputCharacters: count.default(4096) }).default({ maxInputCharacters: 4096 }),
  }),
  z.object({
    ...base,
    modality: z.literal("embedding"),
    pricing: z.object({ inputMicroUsdPerMTokens: price }),
    cost: costShapes.embedding.optional(),
    limits: z
      .object({
        maxInputTokens: count.default(8192),
        maxRequestTokens: count.default(300_000),
        maxInputs: count.default(2048),
        dimensions: count.default(1536),
      })
      .default({ maxInputTokens: 8192, maxRequestTokens: 300_000, maxInputs: 2048, dimensions: 1536 }),
  }),
  z.object({
    ...base,
    modality: z.literal("stt"),
    pricing: z.object({ microUsdPerMinute: price }),
    cost: costShapes.stt.optional(),
    limits: z
      .object({ maxAudioBytes: count.default(25 * 1024 * 1024), maxAudioSeconds: count.default(7200) })
      .default({ maxAudioBytes: 25 * 1024 * 1024, maxAudioSeconds: 7200 }),
  }),
]);

const providerSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "must be 1-64 characters of letters, digits and . _ -"),
  baseUrl: z.string().regex(/^https?:\/\/\S+$/, "must be an http(s) URL, e.g. https://api.openai.com/v1"),
  apiKey: z.string().min(1).optional(),
  apiKeyEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, "must be the name of an environment variable")
    .optional(),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, "header names are letters, digits and -"), z.string()).default({}),
  timeoutMs: ms.default(60_000),
  firstByteTimeoutMs: ms.optional(),
  breaker: z
    .strictObject({ failures: z.number().int().min(1).max(1000).default(5), cooldownMs: ms.default(30_000) })
    .default({ failures: 5, cooldownMs: 30_000 }),
});

const providersFile = z.strictObject({ providers: z.array(providerSchema).default([]), models: z.array(modelSchema).default([]) });

export class CatalogError extends Error {
  override name = "CatalogError";
}

/** Reads PROVIDERS, PROVIDERS_FILE and the UPSTREAM_* shorthand. */
export type UpstreamEnv = Record<string, string | undefined>;

type RawProvider = z.infer<typeof providerSchema>;
type RawModel = z.infer<typeof modelSchema>;

function issues(source: string, error: z.ZodError): string[] {
  return error.issues.map((i) => `  ${source}: ${i.path.join(".") || "(top level)"}: ${i.message}`);
}

function parseJson(source: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CatalogError(`${source} is not valid JSON (${e instanceof Error ? e.message : "parse error"})`);
  }
}

/** The providers and upstream models the configuration declares (local simulators not included). */
export function parseUpstreamEnv(source: UpstreamEnv): { providers: ProviderConfig[]; models: CatalogModel[] } {
  const problems: string[] = [];
  const rawProviders: { source: string; p: RawProvider }[] = [];
  const rawModels: { source: string; m: RawModel; shorthand: boolean }[] = [];

  // 1. PROVIDERS_FILE and PROVIDERS.
  const inputs: [string, string][] = [];
  const file = source.PROVIDERS_FILE?.trim();
  if (file) {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      throw new CatalogError(`PROVIDERS_FILE: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? "error"})`);
    }
    inputs.push([`PROVIDERS_FILE (${file})`, text]);
  }
  if (source.PROVIDERS?.trim()) inputs.push(["PROVIDERS", source.PROVIDERS]);
  for (const [name, text] of inputs) {
    const parsed = providersFile.safeParse(parseJson(name, text));
    if (!parsed.success) problems.push(...issues(name, parsed.error));
    else {
      rawProviders.push(...parsed.data.providers.map((p) => ({ source: name, p })));
      rawModels.push(...parsed.data.models.map((m) => ({ source: name, m, shorthand: false })));
    }
  }

  // 2. The UPSTREAM_* shorthand: one provider called "upstream".
  const raw = source.UPSTREAM_MODELS?.trim();
  const baseUrl = source.UPSTREAM_BASE_URL?.trim();
  if (raw && !baseUrl && !inputs.length) throw new CatalogError("UPSTREAM_MODELS is set but UPSTREAM_BASE_URL is not: upstream models need a server.");
  if (baseUrl) {
    if (!/^https?:\/\//.test(baseUrl)) throw new CatalogError(`UPSTREAM_BASE_URL must be an http(s) URL, got "${baseUrl}"`);
    const timeoutMs = source.UPSTREAM_TIMEOUT_MS ? Number(source.UPSTREAM_TIMEOUT_MS) : 60_000;
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new CatalogError("UPSTREAM_TIMEOUT_MS must be a positive integer");
    rawProviders.push({
      source: "UPSTREAM_BASE_URL",
      p: { id: "upstream", baseUrl, apiKey: source.UPSTREAM_API_KEY || undefined, headers: {}, timeoutMs, breaker: { failures: 5, cooldownMs: 30_000 } },
    });
  }
  if (raw) {
    const parsed = z.array(modelSchema).safeParse(parseJson("UPSTREAM_MODELS", raw));
    if (!parsed.success) problems.push(...issues("UPSTREAM_MODELS", parsed.error));
    else rawModels.push(...parsed.data.map((m) => ({ source: "UPSTREAM_MODELS", m, shorthand: true })));
  }

  // Providers: unique ids, keys resolved.
  const providers = new Map<string, ProviderConfig>();
  for (const { source: from, p } of rawProviders) {
    if (providers.has(p.id)) problems.push(`  ${from}: providers: id "${p.id}" is defined twice`);
    let apiKey = p.apiKey ?? null;
    if (p.apiKeyEnv) {
      apiKey = source[p.apiKeyEnv] || null;
      if (!apiKey) problems.push(`  ${from}: providers.${p.id}.apiKeyEnv: the variable ${p.apiKeyEnv} is not set`);
    }
    providers.set(p.id, {
      id: p.id,
      baseUrl: p.baseUrl.replace(/\/+$/, ""),
      apiKey,
      headers: p.headers,
      timeoutMs: p.timeoutMs,
      firstByteTimeoutMs: p.firstByteTimeoutMs ?? p.timeoutMs,
      breaker: p.breaker,
    });
  }

  // Models: each routed to known providers.
  const models: CatalogModel[] = [];
  for (const [i, { source: from, m, shorthand }] of rawModels.entries()) {
    const routes: ProviderRoute[] = m.providers
      ? m.providers.map((r, j) => {
          const out: ProviderRoute = { provider: r.provider, model: r.model ?? m.upstreamModel ?? m.id };
          if (r.cost !== undefined) {
            const c = costSchemaOf(m.modality).safeParse(r.cost);
            if (!c.success) problems.push(...issues(from, c.error).map((line) => line.replace(`${from}: `, `${from}: models.${i}.providers.${j}.cost.`)));
            else out.cost = c.data as ProviderRoute["cost"];
          }
          return out;
        })
      : shorthand
        ? [{ provider: "upstream", model: m.upstreamModel ?? m.id }]
        : [];
    if (!routes.length) problems.push(`  ${from}: models.${i} (${m.id}).providers: required (which providers serve this model, in order)`);
    for (const [j, r] of routes.entries()) {
      if (!providers.has(r.provider)) {
        problems.push(
          `  ${from}: models.${i} (${m.id}).providers.${j}.provider: unknown provider "${r.provider}"` +
            (r.provider === "upstream" ? " (set UPSTREAM_BASE_URL)" : ` (known: ${[...providers.keys()].join(", ") || "none"})`),
        );
      }
    }
    const { providers: _p, ...rest } = m;
    const model = {
      ...rest,
      provider: "upstream",
      simulator: false,
      upstreamModel: routes[0]?.model ?? m.id,
      routes,
      description: m.description ?? `${m.id} (upstream)`,
    } as CatalogModel;
    if (model.modality === "chat" || model.modality === "completion") {
      model.limits.defaultMaxTokens ??= model.limits.maxOutputTokens;
    }
    models.push(model);
  }
  if (problems.length) {
    throw new CatalogError(
      `Refusing to start: invalid upstream provider configuration (no model is served without a complete price and a provider):\n${problems.join("\n")}`,
    );
  }
  return { providers: [...providers.values()], models };
}

export { MODALITIES };
