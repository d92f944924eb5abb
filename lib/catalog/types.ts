// The model catalog's types. Prices are integer micro-USD (bigint) per the unit docs/architecture.md
// bills for each modality; limits are what a single request may ask for.

export const MODALITIES = ["chat", "completion", "image", "video", "tts", "stt"] as const;
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

export type CatalogModel = TextModel | ImageModel | VideoModel | TtsModel | SttModel;
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
