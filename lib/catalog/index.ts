import { LOCAL_MODELS } from "./local-models";
import { CatalogError, parseUpstreamEnv, type UpstreamEnv } from "./config";
import type { Catalog, CatalogModel, Modality } from "./types";

export * from "./types";
export { CatalogError, parseUpstreamEnv } from "./config";
export { LOCAL_MODELS } from "./local-models";

// Which price fields make a model's price complete, per modality. A model missing one
// (or with a zero/negative one) is refused at start-up: never served free by omission.
const REQUIRED_PRICES: Record<Modality, string[]> = {
  chat: ["inputMicroUsdPerMTokens", "outputMicroUsdPerMTokens"],
  completion: ["inputMicroUsdPerMTokens", "outputMicroUsdPerMTokens"],
  image: ["microUsdPerImage"],
  video: ["microUsdPerSecond"],
  tts: ["microUsdPerCharacter"],
  stt: ["microUsdPerMinute"],
  embedding: ["inputMicroUsdPerMTokens"],
};

export function validateModel(model: CatalogModel): string[] {
  const problems: string[] = [];
  const required = REQUIRED_PRICES[model.modality];
  if (!required) return [`${model.id}: unknown modality "${String(model.modality)}"`];
  const pricing = (model.pricing ?? {}) as Record<string, unknown>;
  for (const field of required) {
    const v = pricing[field];
    if (typeof v !== "bigint") problems.push(`${model.id}: price ${field} is missing (integer micro-USD as bigint)`);
    else if (v <= 0n) problems.push(`${model.id}: price ${field} must be positive, got ${v}`);
  }
  if (model.modality === "chat" || model.modality === "completion") {
    const l = model.limits;
    if (!(l.defaultMaxTokens <= l.maxOutputTokens && l.maxOutputTokens <= l.contextTokens)) {
      problems.push(`${model.id}: limits must satisfy defaultMaxTokens <= maxOutputTokens <= contextTokens`);
    }
  }
  return problems;
}

/** Builds a catalog from model definitions, refusing any model without a complete price. */
export function buildCatalog(models: CatalogModel[], upstream: Catalog["upstream"] = null): Catalog {
  const problems = models.flatMap(validateModel);
  const seen = new Set<string>();
  for (const m of models) {
    if (seen.has(m.id)) problems.push(`${m.id}: defined twice`);
    seen.add(m.id);
    if (m.provider === "upstream" && !upstream) problems.push(`${m.id}: upstream model but UPSTREAM_BASE_URL is not set`);
  }
  if (problems.length) {
    throw new CatalogError(`Refusing to start: model catalog is invalid:\n  ${problems.join("\n  ")}`);
  }
  const byId = new Map(models.map((m) => [m.id, m]));
  return { models: Object.freeze([...models]), get: (id) => byId.get(id), upstream };
}

export function loadCatalog(source: UpstreamEnv = process.env): Catalog {
  const { upstream, models } = parseUpstreamEnv(source);
  return buildCatalog([...LOCAL_MODELS, ...models], upstream);
}

// One catalog per process, rebuilt only if the upstream variables change (tests point
// it at a fake upstream on a random port). Building it is cheap and throws on bad config.
let cached: { fingerprint: string; catalog: Catalog } | undefined;

export function getCatalog(): Catalog {
  const e = process.env;
  const fingerprint = [e.UPSTREAM_BASE_URL, e.UPSTREAM_API_KEY, e.UPSTREAM_MODELS, e.UPSTREAM_TIMEOUT_MS].join("\u0000");
  if (cached?.fingerprint !== fingerprint) cached = { fingerprint, catalog: loadCatalog(e) };
  return cached.catalog;
}

export function modelsByModality<M extends Modality>(catalog: Catalog, modality: M) {
  return catalog.models.filter((m) => m.modality === modality) as Extract<CatalogModel, { modality: M }>[];
}
