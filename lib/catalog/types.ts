// The model catalog's types. Prices are integer micro-USD (bigint) per the unit DESIGN.md
// bills for each modality; limits are what a single request may ask for.

export const MODALITIES = ["chat", "completion", "image", "video", "tts", "stt", "embedding"] as const;
export type Modality = (typeof MODALITIES)[number];
export type ProviderKind = "local" | "upstream";

type Base = {
  /** Public id, what clients send as `model`. Simulators are `local/...`. */
  id: string;
  description: string;
  provider: ProviderKind;
  /** The id the upstream server knows the model by (upstream provider only). */
  upstreamModel?: string;
  /** True for the built-in deterministic simulators. */
  simulator: boolean;
};

export type TextModel = Base & {
  modality: "chat" | "completion";
  pricing: { inputMicroUsdPerMTokens: bigint; outputMicroUsdPerMTokens: bigint };
  limits: {
    /** Input + output tokens the model can attend to. */
    contextTokens: number;
    /** The largest `max_tokens` a request may ask for. */
    maxOutputTokens: number;
    /**
     * The cap applied when a request sends no `max_tokens`: worst-case reservations need a
     * bound, and we prefer a modest one over holding `maxOutputTokens` of credit.
     */
    defaultMaxTokens: number;
  };
};

export type ImageModel = Base & {
  modality: "image";
  pricing: { microUsdPerImage: bigint };
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
  upstream: UpstreamConfig | null;
};

export type UpstreamConfig = {
  baseUrl: string;
  apiKey: string | null;
  /** Time allowed for the upstream to start answering, and between two stream chunks. */
  timeoutMs: number;
};
