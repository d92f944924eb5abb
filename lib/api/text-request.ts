import type { TextModel } from "@/lib/catalog";
import { costFields } from "@/lib/metering/cost";
import { ApiError } from "@/lib/errors";
import { meteredStreamResponse } from "@/lib/providers/text/metered-stream";
import { checkTextParameters } from "@/lib/providers/text/parameters";
import { estimatePromptTokens, textInputHold } from "@/lib/providers/text/prompt-bound";
import { textProviderFor } from "@/lib/providers/text/provider";
import type { TextKind, TextRequest, TextUsage } from "@/lib/providers/text/types";
import { mediaInputTokens } from "@/lib/providers/text/vision";
import { json, maxCostFrom, resolveModel } from "./request-helpers";
import type { ApiContext } from "./with-api-key";

// One text request, from its validated body to its answer: the checks that can refuse it
// (parameters, media, context), the hold, the provider's run, the settle and the answer's
// usage. Chat, completions and the Responses API (which translates to chat) all come here.
// It sits beside the wrapper because it is per-request orchestration with the wrapper's
// context; the providers (lib/providers/text) only call models.

export type TextEndpointInput = {
  kind: TextKind;
  /** The validated body, unknown OpenAI parameters included. */
  body: Record<string, unknown>;
  model: string;
  /** max_tokens / max_completion_tokens as sent; undefined = no cap (the model's maximum output is reserved). */
  maxTokens?: number | null;
  stream: boolean;
  includeUsage: boolean;
  maxCost?: unknown;
};

/**
 * The most output tokens one choice can produce: the client's cap (refused if above the
 * model's maximum or the context), or without one the model's maximum output that fits the
 * context. This is what is reserved; the provider is not sent a cap the client did not set.
 */
export function outputCap(model: TextModel, inputTokens: number, requested: number | null | undefined): number {
  const { contextTokens, maxOutputTokens } = model.limits;
  if (inputTokens >= contextTokens) {
    throw new ApiError(
      "context_length_exceeded",
      `This model's maximum context length is ${contextTokens} tokens, but the prompt has ${inputTokens} tokens. Shorten the input.`,
      { param: "messages" },
    );
  }
  if (requested == null) return Math.min(maxOutputTokens, contextTokens - inputTokens);
  if (requested > maxOutputTokens) {
    throw new ApiError("invalid_request", `max_tokens is too large: ${requested}. ${model.id} supports at most ${maxOutputTokens} output tokens.`, {
      param: "max_tokens",
    });
  }
  if (inputTokens + requested > contextTokens) {
    throw new ApiError(
      "context_length_exceeded",
      `This model's maximum context length is ${contextTokens} tokens. However, you requested ${inputTokens + requested} tokens (${inputTokens} in the prompt, ${requested} for the completion). Reduce the prompt or max_tokens.`,
      { param: "max_tokens" },
    );
  }
  return requested;
}

/** Chat and completions, plain or streamed: reserve, run, settle, answer. */
export async function runTextRequest(ctx: ApiContext<unknown>, input: TextEndpointInput): Promise<Response> {
  const model = resolveModel(ctx.catalog, input.model, input.kind) as TextModel;
  checkTextParameters(input.kind, input.body, model);
  // Image and audio parts: refused on models that do not take them, else their worst case counts as input.
  const mediaTokens = input.kind === "chat" ? mediaInputTokens((input.body.messages as { content?: unknown }[]) ?? [], model) : 0;
  // Our tokenizer's count of every prompt field: the context check, and the bill when the provider reports no usage.
  const inputTokens = estimatePromptTokens(input.kind, input.body) + mediaTokens;
  const maxTokens = outputCap(model, inputTokens, input.maxTokens);
  const choices = typeof input.body.n === "number" && input.body.n > 1 ? input.body.n : 1;
  const maxCostMicroUsd = maxCostFrom(ctx.req, input.maxCost);
  const provider = textProviderFor(model, ctx.catalog);

  const meter = await ctx.openMeter({
    model,
    worstCase: { inputTokens: textInputHold(model, input.body, inputTokens, mediaTokens), outputTokens: maxTokens * choices },
    maxCostMicroUsd,
  });

  const idPrefix = input.kind === "chat" ? "chatcmpl" : "cmpl";
  const req: TextRequest = {
    kind: input.kind,
    model,
    body: input.body,
    maxTokens: input.maxTokens ?? Math.min(model.limits.defaultMaxTokens, maxTokens),
    inputTokens,
    responseId: `${idPrefix}-${ctx.requestId.slice(4)}`,
    created: Math.floor(Date.now() / 1000),
    // A plain request's work ends with the client's request: its signal is the provider's.
    signal: ctx.req.signal,
    trace: meter.trace,
  };

  if (!input.stream) {
    const result = await provider.complete(req);
    const { chargedMicroUsd } = await meter.settle({ units: result.usage, source: result.usage.source });
    return json({ ...result.body, usage: usageBody(result.usage, chargedMicroUsd) });
  }

  // A stream outlives the handler, and is also stopped by us (unread, failed, cancelled).
  const controller = new AbortController();
  const onClientAbort = () => controller.abort(ctx.req.signal.reason);
  ctx.req.signal.addEventListener("abort", onClientAbort, { once: true });
  req.signal = controller.signal;

  // Errors before the first byte (upstream refused, timed out) propagate: the wrapper
  // releases the reservation and answers in the OpenAI error shape.
  const events = await provider.stream(req);
  return meteredStreamResponse({
    events,
    meter,
    inputTokens,
    includeUsage: input.includeUsage,
    clientGone: () => ctx.req.signal.aborted,
    abort: (reason) => {
      ctx.req.signal.removeEventListener("abort", onClientAbort);
      controller.abort(reason);
    },
    usageChunk: (usage, chargedMicroUsd) => ({
      id: req.responseId,
      object: input.kind === "chat" ? "chat.completion.chunk" : "text_completion",
      created: req.created,
      model: model.id,
      choices: [],
      usage: usageBody(usage, chargedMicroUsd),
    }),
  });
}

/** The response's `usage`: the provider's counts and token details as reported, with our cost. */
export function usageBody(usage: TextUsage, chargedMicroUsd: bigint) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    ...(usage.promptDetails ? { prompt_tokens_details: usage.promptDetails } : {}),
    ...(usage.completionDetails ? { completion_tokens_details: usage.completionDetails } : {}),
    ...costFields(chargedMicroUsd, usage.source ?? "provider"),
  };
}
