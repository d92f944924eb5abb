import type { TextModel } from "@/lib/catalog";
import type { ProviderTrace } from "../upstream/routing";

export type TextKind = "chat" | "completion";

export type UnitsSource = "provider" | "estimate";

export type TextRequest = {
  kind: TextKind;
  model: TextModel;
  /** The client's validated body (unknown OpenAI parameters kept, for pass-through). */
  body: Record<string, unknown>;
  /**
   * The simulators' output cap: the client's cap, or the simulator's default length.
   * Upstream providers get the client's body as sent (no cap added) and ignore it.
   */
  maxTokens: number;
  /** Our tokenizer's estimate of the prompt (billed when the provider reports no usage). */
  inputTokens: number;
  /** Our public id for the response (`chatcmpl-…`/`cmpl-…`). */
  responseId: string;
  created: number;
  signal: AbortSignal;
  /** Filled by upstream routing: which provider served, after how many tries (for the usage event). */
  trace: ProviderTrace;
};

export type TextUsage = {
  /** Where the counts come from: the provider's report, or our tokenizer's estimate (no usage reported). */
  source?: UnitsSource;
  inputTokens: number;
  outputTokens: number;
  /** Of inputTokens, those the provider served from its prompt cache (billed at the cached price). */
  cachedInputTokens?: number;
  /** Of outputTokens, the model's reasoning (billed as output). */
  reasoningTokens?: number;
  /** The provider's prompt_tokens_details / completion_tokens_details, returned to the client as reported. */
  promptDetails?: Record<string, unknown>;
  completionDetails?: Record<string, unknown>;
};

/** A non-streamed answer: the OpenAI-shaped body WITHOUT usage, and the units. */
export type TextResult = { body: Record<string, unknown>; usage: TextUsage };

export type StreamEvent =
  /** One OpenAI-shaped chunk to forward as is (without usage); `text` is its generated text. */
  | { type: "chunk"; chunk: Record<string, unknown>; text: string; tokens?: number }
  /** Usage as reported by the provider (authoritative when present). */
  | { type: "usage"; usage: TextUsage }
  /**
   * Chunks already serialised as our SSE events (`data: …\n\n`, one or more, possibly
   * none), forwarded in one write; `text` is their generated text, `usage` the provider's
   * report if one came with them. What an upstream batch read together becomes.
   */
  | { type: "sse"; data: string; text: string; usage?: TextUsage };

/** A provider's stream: an async generator, or anything with its next() and return(). */
export type StreamEvents = {
  next(): Promise<IteratorResult<StreamEvent, void>>;
  return(value?: undefined): Promise<IteratorResult<StreamEvent, void>>;
};

export type TextProvider = {
  complete(req: TextRequest): Promise<TextResult>;
  /** Resolves once the model has accepted the request (errors before that are plain throws). */
  stream(req: TextRequest): Promise<StreamEvents>;
};
