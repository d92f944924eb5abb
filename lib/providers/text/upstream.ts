import type { Catalog } from "@/lib/catalog";
import { callUpstream, callUpstreamJson, ProviderError, readSse } from "../upstream/client";
import { routeToProviders } from "../upstream/routing";
import { contentText, countTextTokens } from "./tokens";
import type { StreamEvent, TextProvider, TextRequest, TextResult, TextUsage } from "./types";

// Chat and completions on OpenAI-compatible providers (vLLM, Ollama, llama.cpp, OpenAI).
// The client's body reaches the provider as sent, with two changes only: the provider's id
// for the model, and on streams `stream_options.include_usage` so the provider's own count
// is billed (its usage chunk is shown to the client only if the client asked for it).
// Nothing else is added: no max_tokens (the reservation covers the model's maximum output
// when the client sets no cap), no defaults. Our own parameter max_cost is removed.
// Parameters that could change the bill beyond what we price are refused before this point
// (lib/providers/text/parameters.ts). Without reported usage, output is counted with our
// tokenizer.

// An upstream's OpenAI-shaped JSON, read field by field with checks at each use.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

export function upstreamBody(req: TextRequest, providerModel: string): Obj {
  const { max_cost: _maxCost, ...rest } = req.body as Obj;
  const body: Obj = { ...rest, model: providerModel };
  if (body.stream === true && body.stream_options?.include_usage !== true) {
    body.stream_options = {
      ...(body.stream_options ?? {}),
      include_usage: true,
    };
  }
  return body;
}

const path = (req: TextRequest) => (req.kind === "chat" ? "/chat/completions" : "/completions");

/** Text generated in a response or chunk choice, for counting when usage is absent. */
function choiceText(choice: Obj | undefined): string {
  if (!choice) return "";
  const msg = choice.message ?? choice.delta;
  if (!msg) return typeof choice.text === "string" ? choice.text : "";
  let s = contentText(msg.content) + (typeof msg.reasoning_content === "string" ? msg.reasoning_content : "");
  for (const call of Array.isArray(msg.tool_calls) ? msg.tool_calls : []) s += (call?.function?.name ?? "") + (call?.function?.arguments ?? "");
  return s;
}

// Only whole, non-negative counts are usage; anything else (negative, fractional, huge)
// is ignored and our own count is billed. (Nonsense here used to reach the cost function,
// which refuses it: a 500 with the reservation left for the sweeper.)
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The provider's usage, token details kept. Cached input is part of prompt_tokens and
 * reasoning part of completion_tokens (OpenAI's convention): they split those counts, never
 * add to them, so a cached count above the prompt is clamped.
 */
export function reportedUsage(u: Obj | null | undefined): TextUsage | null {
  if (!u || !isCount(u.prompt_tokens) || !isCount(u.completion_tokens)) return null;
  const usage: TextUsage = {
    inputTokens: u.prompt_tokens,
    outputTokens: u.completion_tokens,
  };
  const cached = u.prompt_tokens_details?.cached_tokens;
  if (isCount(cached) && cached > 0) usage.cachedInputTokens = Math.min(cached, u.prompt_tokens);
  const reasoning = u.completion_tokens_details?.reasoning_tokens;
  if (isCount(reasoning) && reasoning > 0) usage.reasoningTokens = Math.min(reasoning, u.completion_tokens);
  if (isObj(u.prompt_tokens_details)) usage.promptDetails = u.prompt_tokens_details;
  if (isObj(u.completion_tokens_details)) usage.completionDetails = u.completion_tokens_details;
  return usage;
}

// OpenAI's published schema requires `logprobs` (nullable) on every choice and `refusal`
// (nullable) on a chat message; OpenAI-compatible servers often leave them out, and typed
// clients then see undefined where the contract promises null.
function withRequiredFields(choice: Obj): Obj {
  if (!choice || typeof choice !== "object") return choice;
  const c: Obj = { logprobs: null, ...choice };
  if (c.message && typeof c.message === "object") c.message = { refusal: null, ...c.message };
  return c;
}

export function upstreamTextProvider(catalog: Catalog): TextProvider {
  return {
    async complete(req: TextRequest): Promise<TextResult> {
      const data = await routeToProviders(catalog, req.model, req.trace, req.signal, async (provider, providerModel) => {
        const d = await callUpstreamJson<Obj>(provider, {
          path: path(req),
          body: upstreamBody(req, providerModel),
          signal: req.signal,
        });
        if (!Array.isArray(d?.choices)) throw new ProviderError("upstream_error", "The upstream model server answered without choices.", { retryable: true });
        return d;
      });
      const { usage, ...rest } = data;
      // Our tokenizer runs only when the upstream reports no (valid) usage: for a long answer
      // it is the most expensive thing this path does.
      const counted = () => ({
        inputTokens: req.inputTokens,
        outputTokens: data.choices.reduce((n: number, c: Obj) => n + countTextTokens(choiceText(c)), 0),
      });
      return {
        body: {
          ...rest,
          id: req.responseId,
          created: req.created,
          model: req.model.id,
          choices: data.choices.map(withRequiredFields),
        },
        usage: reportedUsage(usage) ?? counted(),
      };
    },

    async stream(req: TextRequest) {
      // The attempt ends at the provider's first event: until then nothing reached our client,
      // so a provider failing before it (refused, 5xx, 429, slow first byte, garbage) is
      // skipped for the next one. After it, the stream is this provider's, come what may.
      const { events, first } = await routeToProviders(catalog, req.model, req.trace, req.signal, async (provider, providerModel) => {
        const { res, deadline } = await callUpstream(provider, {
          path: path(req),
          body: upstreamBody(req, providerModel),
          signal: req.signal,
          accept: "text/event-stream",
        });
        const events = readSse(res, deadline);
        const first = await events.next();
        if (first.done) throw new ProviderError("upstream_error", "The upstream stream ended before its first event.", { retryable: true });
        if (isObj(first.value) && first.value.error) {
          await events.return(undefined);
          throw new ProviderError("upstream_error", "The model provider failed before its first token.", { retryable: true });
        }
        return { events, first: first.value };
      });
      return (async function* (): AsyncGenerator<StreamEvent> {
        let pending: unknown = first;
        try {
          for (;;) {
            let raw: unknown;
            if (pending !== undefined) [raw, pending] = [pending, undefined];
            else {
              const next = await events.next();
              if (next.done) return;
              raw = next.value;
            }
            const chunk = raw as Obj;
            if (chunk && typeof chunk === "object" && "error" in chunk && chunk.error) {
              if (typeof chunk.error?.message === "string") console.error(`[upstream] error event: ${chunk.error.message.slice(0, 300)}`);
              throw new ProviderError("upstream_error", "The upstream model failed mid-stream; you are billed only for the tokens delivered.", {
                retryable: false,
              });
            }
            const { usage, ...rest } = chunk ?? {};
            const reported = reportedUsage(usage);
            if (reported) yield { type: "usage", usage: reported };
            // A usage-only chunk (empty choices) is replaced by ours; content chunks pass through.
            if (!Array.isArray(rest.choices) || (rest.choices.length === 0 && reported)) continue;
            const text = rest.choices.map((c: Obj) => choiceText(c)).join("");
            yield {
              type: "chunk",
              chunk: {
                ...rest,
                id: req.responseId,
                created: req.created,
                model: req.model.id,
              },
              text,
            };
          }
        } finally {
          await events.return(undefined); // closes the provider's response if we stopped early
        }
      })();
    },
  };
}
