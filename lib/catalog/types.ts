// The model catalog's types. Prices are integer micro-USD (bigint) per the unit docs/architecture.md
// bills for each modality; limits are what a single request may ask for.

export const MODALITIES = ["chat", "completion", "image", "video", "tts", "stt", "embedding"] as const;
export type Modality = (typeof MODALITIES)[number];

/** Each modality's short name, as the landing page and the usage filters show it (the docs use longer ones). */
export const MODALITY_NAMES: Record<Modality, string> = {
  chat: "Chat",
  completion: "Completions",
  image: "Images",
  video: "Video",
  tts: "Text-to-speech",
  stt: "Speech-to-text",
  embedding: "Embeddings",
};
export type ProviderKind = "local" | "upstream";

type Base = {
  /** Public id, what clients send as `model`. Simulators are `local/...`. */
  id: string;
  description: string;
  provider: ProviderKind;
  /** The id the upstream server knows the model by (upstream provider only). */
  upstreamModel?: string;
  /**
   * Upstream only: the providers that serve this model, tried in this order (fallback before
   * the first byte reached the client), each with the id that provider knows the model by.
   */
  routes?: ProviderRoute[];
  /** True for the built-in deterministic simulators. */
  simulator: boolean;
  /** Upstream only, optional: what the providers charge us (same fields as `pricing`). */
  cost?: ProviderCost;
};

/** What a provider charges us: the model's price fields (same units), for the margin report. */
export type ProviderCost = Partial<Record<string, bigint | ImagePriceRule[]>>;

export type ProviderRoute = {
  provider: string;
  model: string;
  /** This provider's price to us for the model (overrides the model's `cost`). */
  cost?: ProviderCost;
};

export type TextModel = Base & {
  modality: "chat" | "completion";
  pricing: {
    inputMicroUsdPerMTokens: bigint;
    outputMicroUsdPerMTokens: bigint;
    /** Input tokens the provider reports as served from its prompt cache; absent = the input price. */
    cachedInputMicroUsdPerMTokens?: bigint;
  };
  limits: {
    /** Input + output tokens the model can attend to. */
    contextTokens: number;
    /**
     * The most output tokens the model can write in one answer, and the largest cap a request
     * may ask for. A request without a cap reserves this much (the provider gets no cap we
     * did not receive, so this is its worst case).
     */
    maxOutputTokens: number;
    /** Simulators only: how much they write when the request sets no cap. */
    defaultMaxTokens: number;
  };
  /** Input beyond text that the model accepts (content parts of type image_url / input_audio). */
  input?: { images?: boolean; audio?: boolean };
};

/** An image price for one quality and size; `"*"` matches any value not listed. */
export type ImagePriceRule = { quality: string; size: string; microUsdPerImage: bigint };

export type ImageModel = Base & {
  modality: "image";
  pricing: {
    /** The price of an image whose quality and size no rule below matches. */
    microUsdPerImage: bigint;
    /** Prices by quality and size (gpt-image style), first match wins. */
    byQualityAndSize?: ImagePriceRule[];
  };
  limits: { maxImagesPerRequest: number; sizes: string[] };
};

export type VideoModel = Base & {
  modality: "video";
  pricing: { microUsdPerSecond: bigint };
  limits: { maxSeconds: number; defaultSeconds: number };
};

export type TtsModel = Base & {
  modality: "tts";
  pricing: { microUsdPerCharacter: bigint };
  limits: { maxInputCharacters: number };
};

export type SttModel = Base & {
  modality: "stt";
  pricing: { microUsdPerMinute: bigint };
  limits: { maxAudioBytes: number; maxAudioSeconds: number };
};

/** Embeddings: one price, per million input tokens (there is no output to bill). */
export type EmbeddingModel = Base & {
  modality: "embedding";
  pricing: { inputMicroUsdPerMTokens: bigint };
  limits: {
    /** Tokens one input may have (OpenAI: 8192). */
    maxInputTokens: number;
    /** Tokens all inputs of one request may have together (OpenAI: 300,000). */
    maxRequestTokens: number;
    /** Inputs per request (OpenAI: 2048). */
    maxInputs: number;
    /** The vector length when `dimensions` is not sent, and the most it may ask for. */
    dimensions: number;
  };
};

export type CatalogModel = TextModel | ImageModel | VideoModel | TtsModel | SttModel | EmbeddingModel;
export type ModelOf<M extends Modality> = Extract<CatalogModel, { modality: M }>;

export type Catalog = {
  models: readonly CatalogModel[];
  get(id: string): CatalogModel | undefined;
  /** The configured upstream providers by id. */
  providers: ReadonlyMap<string, ProviderConfig>;
};

/** One OpenAI-compatible upstream provider (vLLM, Ollama, OpenAI, any OpenAI-shaped server). */
export type ProviderConfig = {
  id: string;
  baseUrl: string;
  apiKey: string | null;
  /** Sent with every request to this provider (e.g. OpenAI-Organization, api-version headers). */
  headers: Record<string, string>;
  /** Streams: time allowed until the provider's first event (then the next provider is tried). */
  firstByteTimeoutMs: number;
  /** Plain answers: time allowed for the whole answer. Streams: longest silence between two chunks. */
  timeoutMs: number;
  /** Circuit breaker: after `failures` consecutive failures the provider is skipped for `cooldownMs`. */
  breaker: { failures: number; cooldownMs: number };
};

/** @deprecated the one-provider shape; kept so callers that took it read the same. */
export type UpstreamConfig = ProviderConfig;
