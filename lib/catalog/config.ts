import { z } from "zod";
import { MODALITIES, type CatalogModel, type UpstreamConfig } from "./types";

// Upstream models come from the environment:
//   UPSTREAM_BASE_URL   e.g. http://127.0.0.1:8000/v1 (an OpenAI-compatible server)
//   UPSTREAM_API_KEY    sent as Bearer, optional
//   UPSTREAM_TIMEOUT_MS time to first byte and between stream chunks (default 60000)
//   UPSTREAM_MODELS     JSON array, one object per model, e.g.
//     [{"id":"llama-3.1-8b","modality":"chat","upstreamModel":"meta-llama/Llama-3.1-8B-Instruct",
//       "pricing":{"inputMicroUsdPerMTokens":200000,"outputMicroUsdPerMTokens":600000},
//       "limits":{"contextTokens":131072,"maxOutputTokens":8192,"defaultMaxTokens":1024}}]
// Prices are integer micro-USD (numbers or digit strings). A model without a complete
// price is refused: nothing is ever served free by omission.

const price = z
  .union([z.number().int(), z.string().regex(/^\d+$/)], { error: "must be a whole number of micro-USD (a price is required)" })
  .transform((v) => BigInt(v))
  .refine((v) => v > 0n, "must be a positive whole number of micro-USD");
const count = z.number().int().positive();

const base = {
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, "must be 1-128 characters of letters, digits and . _ : / -")
    .refine((id) => !id.startsWith("local/"), "the local/ prefix is reserved for built-in simulators"),
  upstreamModel: z.string().min(1).optional(),
  description: z.string().optional(),
};

const upstreamModel = z.discriminatedUnion("modality", [
  z.object({
    ...base,
    modality: z.enum(["chat", "completion"]),
    pricing: z.object({ inputMicroUsdPerMTokens: price, outputMicroUsdPerMTokens: price }),
    limits: z
      .object({ contextTokens: count.default(8192), maxOutputTokens: count.default(4096), defaultMaxTokens: count.default(1024) })
      .default({ contextTokens: 8192, maxOutputTokens: 4096, defaultMaxTokens: 1024 }),
  }),
  z.object({
    ...base,
    modality: z.literal("image"),
    pricing: z.object({ microUsdPerImage: price }),
    limits: z
      .object({ maxImagesPerRequest: count.default(4), sizes: z.array(z.string()).default(["1024x1024"]) })
      .default({ maxImagesPerRequest: 4, sizes: ["1024x1024"] }),
  }),
  z.object({
    ...base,
    modality: z.literal("video"),
    pricing: z.object({ microUsdPerSecond: price }),
    limits: z.object({ maxSeconds: count.default(20), defaultSeconds: count.default(4) }).default({ maxSeconds: 20, defaultSeconds: 4 }),
  }),
  z.object({
    ...base,
    modality: z.literal("tts"),
    pricing: z.object({ microUsdPerCharacter: price }),
    limits: z.object({ maxInputCharacters: count.default(4096) }).default({ maxInputCharacters: 4096 }),
  }),
  z.object({
    ...base,
    modality: z.literal("embedding"),
    pricing: z.object({ inputMicroUsdPerMTokens: price }),
    limits: z
      .object({ maxInputTokens: count.default(8192), maxRequestTokens: count.default(300_000), maxInputs: count.default(2048), dimensions: count.default(1536) })
      .default({ maxInputTokens: 8192, maxRequestTokens: 300_000, maxInputs: 2048, dimensions: 1536 }),
  }),
  z.object({
    ...base,
    modality: z.literal("stt"),
    pricing: z.object({ microUsdPerMinute: price }),
    limits: z
      .object({ maxAudioBytes: count.default(25 * 1024 * 1024), maxAudioSeconds: count.default(7200) })
      .default({ maxAudioBytes: 25 * 1024 * 1024, maxAudioSeconds: 7200 }),
  }),
]);

export class CatalogError extends Error {
  override name = "CatalogError";
}

/** Reads UPSTREAM_BASE_URL, UPSTREAM_API_KEY, UPSTREAM_MODELS, UPSTREAM_TIMEOUT_MS. */
export type UpstreamEnv = Record<string, string | undefined>;

export function parseUpstreamEnv(source: UpstreamEnv): { upstream: UpstreamConfig | null; models: CatalogModel[] } {
  const raw = source.UPSTREAM_MODELS?.trim();
  const baseUrl = source.UPSTREAM_BASE_URL?.trim();
  if (!baseUrl) {
    if (raw) throw new CatalogError("UPSTREAM_MODELS is set but UPSTREAM_BASE_URL is not: upstream models need a server.");
    return { upstream: null, models: [] };
  }
  if (!/^https?:\/\//.test(baseUrl)) throw new CatalogError(`UPSTREAM_BASE_URL must be an http(s) URL, got "${baseUrl}"`);
  const timeoutMs = source.UPSTREAM_TIMEOUT_MS ? Number(source.UPSTREAM_TIMEOUT_MS) : 60_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new CatalogError("UPSTREAM_TIMEOUT_MS must be a positive integer");
  const upstream = { baseUrl: baseUrl.replace(/\/+$/, ""), apiKey: source.UPSTREAM_API_KEY || null, timeoutMs };

  let json: unknown = [];
  if (raw) {
    try {
      json = JSON.parse(raw);
    } catch {
      throw new CatalogError("UPSTREAM_MODELS is not valid JSON (expected an array of model objects)");
    }
  }
  const parsed = z.array(upstreamModel).safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  UPSTREAM_MODELS[${i.path.join(".")}]: ${i.message}`);
    throw new CatalogError(`Refusing to start: invalid upstream model configuration (no model is served without a complete price):\n${lines.join("\n")}`);
  }
  const models = parsed.data.map(
    (m) =>
      ({
        ...m,
        provider: "upstream",
        simulator: false,
        upstreamModel: m.upstreamModel ?? m.id,
        description: m.description ?? `${m.id} (upstream)`,
      }) as CatalogModel,
  );
  return { upstream, models };
}

export { MODALITIES };
