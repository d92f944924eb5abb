import type { TextModel } from "@/lib/catalog";
import { countChatTokens, countTextTokens, type ChatMessageLike } from "./tokens";
import type { TextKind } from "./types";
import { upstreamBody } from "./upstream";

// How many input tokens a text request can be billed, before it runs. Two numbers:
//
// - the BOUND, held before an upstream call: the most input tokens any provider can bill for
//   the body we send. A provider bills what reaches its model: every field of the body can be
//   rendered into the prompt (messages of every role, tools, functions, tool_choice,
//   response_format schemas, prediction, suffix, names, function calls). No tokenizer that
//   works on bytes (BPE over UTF-8, as every current model uses) makes more tokens of a text
//   than it has bytes, so the UTF-8 length of the whole JSON body as sent (keys, quotes and
//   punctuation included, which only adds) bounds the text part. To it come what is not
//   text in the body: the chat template's framing per message and before the reply, a tool
//   preamble some templates add, and each image or audio part by its documented maximum
//   (their bytes, a URL or base64 data, are left out: the provider bills them as media).
//   Holding our own tokenizer's count plus a margin instead under-held by up to 900× (text
//   in `functions` was not counted at all), and the charge, capped at the hold, was less
//   than the provider billed us.
// - the ESTIMATE, billed when a provider reports no usage (and marked as such on the usage
//   event): our tokenizer (o200k_base) over the same fields.
// Simulators (local/*) count with our tokenizer, and what they count is what they bill: their
// hold is the estimate.

/** Template framing per message (role markers, separators), above its bytes; generous. */
export const PER_MESSAGE_BOUND = 8;
/** The reply's priming by the template. */
export const REPLY_PRIMING_BOUND = 8;
/** Text a template may add around tool/function definitions (a preamble naming them). */
export const TOOLS_PREAMBLE_BOUND = 64;

const utf8 = (s: string) => Buffer.byteLength(s, "utf8");

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a client body, read field by field
type Obj = Record<string, any>;

/** The body with image and audio payloads emptied: those are billed as media, not as text. */
function withoutMediaPayloads(body: Obj): Obj {
  if (!Array.isArray(body.messages)) return body;
  return {
    ...body,
    messages: body.messages.map((m: unknown) => {
      if (!m || typeof m !== "object" || !Array.isArray((m as Obj).content)) return m;
      return {
        ...(m as Obj),
        content: ((m as Obj).content as unknown[]).map((p) => {
          if (!p || typeof p !== "object") return p;
          const part = p as Obj;
          if (part.type === "image_url") return { ...part, image_url: "" };
          if (part.type === "input_audio") return { ...part, input_audio: { ...(part.input_audio ?? {}), data: "" } };
          return part;
        }),
      };
    }),
  };
}

/**
 * The most input tokens a provider can bill for `sentBody` (the body exactly as it goes
 * upstream, model id included), given `mediaTokens`: the documented maximum of its image and
 * audio parts (lib/providers/text/vision.ts).
 */
export function promptTokenBound(sentBody: Obj, mediaTokens: number): number {
  const messages = Array.isArray(sentBody.messages) ? sentBody.messages.length : 1;
  const tools = sentBody.tools != null || sentBody.functions != null ? TOOLS_PREAMBLE_BOUND : 0;
  return utf8(JSON.stringify(withoutMediaPayloads(sentBody))) + messages * PER_MESSAGE_BOUND + REPLY_PRIMING_BOUND + tools + mediaTokens;
}

// Chat fields other than messages that reach the model as prompt text.
const CHAT_PROMPT_FIELDS = ["tools", "functions", "tool_choice", "function_call", "response_format", "prediction"] as const;

/** Our tokenizer's count of everything in the body that is prompt (without media parts). */
export function estimatePromptTokens(kind: TextKind, body: Obj): number {
  if (kind === "completion") {
    const prompt = Array.isArray(body.prompt) ? body.prompt.join("") : typeof body.prompt === "string" ? body.prompt : "";
    return countTextTokens(prompt) + (typeof body.suffix === "string" ? countTextTokens(body.suffix) : 0);
  }
  let tokens = countChatTokens((body.messages as ChatMessageLike[]) ?? []);
  for (const field of CHAT_PROMPT_FIELDS) {
    const v = body[field];
    // A plain choice ("auto", "none") is not prompt text.
    if (v != null && typeof v !== "string") tokens += countTextTokens(JSON.stringify(v));
  }
  return tokens;
}

/** The input tokens to hold: the bound for upstream models, the exact count for simulators. */
export function inputTokensToHold(model: TextModel, estimate: number, bound: () => number): number {
  return model.provider === "local" ? estimate : Math.max(estimate, bound());
}

/**
 * The input tokens held for a text request: for an upstream model, the bound of what any of
 * its providers can bill for the body it is sent (the longest provider model id assumed);
 * for a simulator, its own exact count.
 */
export function textInputHold(model: TextModel, body: Record<string, unknown>, estimate: number, mediaTokens: number): number {
  return inputTokensToHold(model, estimate, () => {
    const longestId = (model.routes ?? []).reduce((id, r) => (Buffer.byteLength(r.model) > Buffer.byteLength(id) ? r.model : id), model.id);
    return promptTokenBound(upstreamBody(body, longestId), mediaTokens);
  });
}
