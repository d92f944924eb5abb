import type { TextModel } from "@/lib/catalog";

export type TextKind = "chat" | "completion";

export type TextRequest = {
  kind: TextKind;
  model: TextModel;
  /** The client's validated body (unknown OpenAI parameters kept, for pass-through). */
  body: Record<string, unknown>;
  /** The output cap in force (the client's max_tokens, or the model's documented default). */
  maxTokens: number;
  /** Our tokenizer's count of the prompt (used when the provider reports no usage). */
  inputTokens: number;
  /** Our public id for the response (`chatcmpl-…`/`cmpl-…`). */
  responseId: string;
  created: number;
  signal: AbortSignal;
};

export type TextUsage = { inputTokens: number; outputTokens: number };

/** A non-streamed answer: the OpenAI-shaped body WITHOUT usage, and the units. */
export type TextResult = { body: Record<string, unknown>; usage: TextUsage };

export type StreamEvent =
  /** One OpenAI-shaped chunk to forward as is (without usage); `text` is its generated text. */
  | { type: "chunk"; chunk: Record<string, unknown>; text: string; tokens?: number }
  /** Usage as reported by the provider (authoritative when present). */
  | { type: "usage"; usage: TextUsage };

export type TextProvider = {
  complete(req: TextRequest): Promise<TextResult>;
  /** Resolves once the model has accepted the request (errors before that are plain throws). */
  stream(req: TextRequest): Promise<AsyncGenerator<StreamEvent, void, undefined>>;
};
