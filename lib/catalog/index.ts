import { LOCAL_MODELS } from "./local-models";
import { CatalogError, parseUpstreamEnv, type UpstreamEnv } from "./config";
import type { Catalog, CatalogModel, Modality, ProviderConfig } from "./types";

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
    // A cached price above the input price would let a request cost more than its
    // reservation (which assumes nothing is cached).
    const cached = model.pricing.cachedInputMicroUsdPerMTokens;
    if (cached !== undefined && (typeof cached !== "bigint" || cached < 0n || cached > model.pricing.inputMicroUsdPerMTokens)) {
      problems.push(`${model.id}: price cachedInputMicroUsdPerMTokens must be a bigint between 0 and the input price`);
    }
    const l = model.limits;
    if (!(l.defaultMaxTokens <= l.maxOutputTokens && l.maxOutputTokens <= l.contextTokens)) {
      problems.push(`${model.id}: limits must satisfy defaultMaxTokens <= maxOutputTokens <= contextTokens`);
    }
  }
  return problems;
}

/** Builds a catalog from model definitions, refusing any model without a complete price. */
export function buildCatalog(models: CatalogModel[], providers: ProviderConfig[] = []): Catalog {
  const byProvider = new Map(providers.map((p) => [p.id, p]));
  const problems = models.flatMap(validateModel);
  const seen = new Set<string>();
  for (const m of models) {
    if (seen.has(m.id)) problems.push(`${m.id}: defined twice`);
    seen.add(m.id);
    if (m.provider === "upstream" && !m.routes?.length) problems.push(`${m.id}: upstream model without providers`);
    for (const r of m.routes ?? []) if (!byProvider.has(r.provider)) problems.push(`${m.id}: unknown provider "${r.provider}"`);
  }
  if (problems.length) {
    throw new CatalogError(`Refusing to start: model catalog is invalid:\n  ${problems.join("\n  ")}`);
  }
  const byId = new Map(models.map((m) => [m.id, m]));
  return { models: Object.freeze([...models]), get: (id) => byId.get(id), providers: byProvider };
}

export function loadCatalog(source: UpstreamEnv = process.env): Catalog {
  const { providers, models } = parseUpstreamEnv(source);
  return buildCatalog([...LOCAL_MODELS, ...models], providers);
}

// One catalog per process, rebuilt only if the provider variables change (tests point it at
// fake providers on random ports). Building it is cheap and throws on bad config; a
// PROVIDERS_FILE is read when its path changes, i.e. at start (a restart picks up edits).
let cached: { fingerprint: string; catalog: Catalog } | undefined;

export function getCatalog(): Catalog {
  const e = process.env;
  const fingerprint = [e.UPSTREAM_BASE_URL, e.UPSTREAM_API_KEY, e.UPSTREAM_MODELS, e.UPSTREAM_TIMEOUT_MS, e.PROVIDERS, e.PROVIDERS_FILE].join("\u0000");
  if (cached?.fingerprint !== fingerprint) cached = { fingerprint, catalog: loadCatalog(e) };
  return cached.catalog;
}

export function modelsByModality<M extends Modality>(catalog: Catalog, modality: M) {
  return catalog.models.filter((m) => m.modality === modality) as Extract<CatalogModel, { modality: M }>[];
}
