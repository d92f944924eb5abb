import type { CatalogModel } from "./types";

// Built-in deterministic simulators, so the platform works offline with nothing
// configured. They are billed like real models (cheaply) so that trying the platform
// exercises the same metering, reservations and 402s as production traffic.
export const LOCAL_MODELS: CatalogModel[] = [
  {
    id: "local/echo-chat",
    modality: "chat",
    provider: "local",
    simulator: true,
    description: "Simulator: replies with your last message, token for token. For trying the API and for tests.",
    pricing: { inputMicroUsdPerMTokens: 100_000n, outputMicroUsdPerMTokens: 400_000n }, // $0.10 / $0.40 per 1M tokens
    limits: { contextTokens: 16_384, maxOutputTokens: 4_096, defaultMaxTokens: 1_024 },
  },
  {
    id: "local/lorem-chat",
    modality: "chat",
    provider: "local",
    simulator: true,
    description: "Simulator: writes deterministic placeholder prose, always exactly max_tokens tokens long.",
    pricing: { inputMicroUsdPerMTokens: 500_000n, outputMicroUsdPerMTokens: 1_500_000n }, // $0.50 / $1.50 per 1M tokens
    limits: { contextTokens: 32_768, maxOutputTokens: 8_192, defaultMaxTokens: 256 },
  },
  {
    id: "local/echo-completion",
    modality: "completion",
    provider: "local",
    simulator: true,
    description: "Simulator for /v1/completions: continues your prompt by echoing it back.",
    pricing: { inputMicroUsdPerMTokens: 100_000n, outputMicroUsdPerMTokens: 400_000n },
    limits: { contextTokens: 16_384, maxOutputTokens: 4_096, defaultMaxTokens: 1_024 },
  },
  {
    id: "local/image-sim",
    modality: "image",
    provider: "local",
    simulator: true,
    description: "Simulator: renders a deterministic PNG from your prompt.",
    pricing: { microUsdPerImage: 20_000n }, // $0.02 per image
    limits: { maxImagesPerRequest: 4, sizes: ["256x256", "512x512", "1024x1024"] },
  },
  {
    id: "local/video-sim",
    modality: "video",
    provider: "local",
    simulator: true,
    description: "Simulator: renders a short deterministic video from your prompt.",
    pricing: { microUsdPerSecond: 50_000n }, // $0.05 per second of output
    limits: { maxSeconds: 20, defaultSeconds: 4 },
  },
  {
    id: "local/tts-sim",
    modality: "tts",
    provider: "local",
    simulator: true,
    description: "Simulator: speaks your text as synthesized tones, in MP3 (or WAV, FLAC, PCM).",
    pricing: { microUsdPerCharacter: 15n }, // $15 per 1M characters
    limits: { maxInputCharacters: 4_096 },
  },
  {
    id: "local/stt-sim",
    modality: "stt",
    provider: "local",
    simulator: true,
    description: "Simulator: 'transcribes' uploaded audio into a deterministic text; billed on the measured duration.",
    pricing: { microUsdPerMinute: 6_000n }, // $0.006 per minute of input audio
    limits: { maxAudioBytes: 25 * 1024 * 1024, maxAudioSeconds: 2 * 60 * 60 },
  },
  {
    id: "local/embed-sim",
    modality: "embedding",
    provider: "local",
    simulator: true,
    description: "Simulator: deterministic unit vectors from your text's real tokens (shared tokens, similar vectors).",
    pricing: { inputMicroUsdPerMTokens: 20_000n }, // $0.02 per 1M input tokens
    limits: { maxInputTokens: 8_192, maxRequestTokens: 300_000, maxInputs: 2_048, dimensions: 1_536 },
  },
];
