import type { Catalog } from "@/lib/catalog";
import { callUpstream, callUpstreamJson, ProviderError, readSse, type SseReader } from "../upstream/client";
import { routeToProviders } from "../upstream/routing";
import { contentText, countTextTokens } from "./tokens";
import type { StreamEvent, StreamEvents, TextProvider, TextRequest, TextResult, TextUsage } from "./types";

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

export function upstreamBody(clientBody: Record<string, unknown>, providerModel: string): Obj {
  const { max_cost: _maxCost, ...rest } = clientBody as Obj;
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
    source: "provider",
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
          body: upstreamBody(req.body, providerModel),
          signal: req.signal,
        });
        if (!Array.isArray(d?.choices)) throw new ProviderError("upstream_error", "The upstream model server answered without choices.", { retryable: true });
        return d;
      });
      const { usage, ...rest } = data;
      // Our tokenizer runs only when the upstream reports no (valid) usage: for a long answer
      // it is the most expensive thing this path does.
      const counted = (): TextUsage => ({
        source: "estimate",
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
      // skipped for the next. After it, the stream is this provider's, come what may.
      const { reader, batch, first } = await routeToProviders(catalog, req.model, req.trace, req.signal, async (provider, providerModel) => {
        const { res, deadline } = await callUpstream(provider, {
          path: path(req),
          body: upstreamBody(req.body, providerModel),
          signal: req.signal,
          accept: "text/event-stream",
        });
        const reader = readSse(res, deadline);
        const next = await reader.next();
        if (next.done) throw new ProviderError("upstream_error", "The upstream stream ended before its first event.", { retryable: true });
        let first: unknown;
        try {
          first = parseEvent(next.value[0]);
        } catch (err) {
          await reader.return();
          throw err;
        }
        if (isObj(first) && first.error) {
          await reader.return();
          throw new ProviderError("upstream_error", "The model provider failed before its first token.", { retryable: true });
        }
        return { reader, batch: next.value, first };
      });
      return upstreamEvents(req, reader, batch, first);
    },
  };
}

function parseEvent(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw new ProviderError("upstream_error", "The upstream stream sent an event that is not JSON.", { retryable: true });
  }
}

/**
 * The provider's stream as our events: each batch of upstream events read together becomes
 * one `sse` event, the chunks to forward already serialised (ours: id, created and model
 * replaced, usage taken out) plus their text and the reported usage, so a batch is one
 * write to our client. An upstream error event (or an event that is not JSON) ends the
 * stream with an error, after the chunks before it in the same batch were forwarded.
 */
function upstreamEvents(req: TextRequest, reader: SseReader, firstBatch: string[], firstEvent: unknown): StreamEvents {
  const own = { id: JSON.stringify(req.responseId), created: JSON.stringify(req.created), model: JSON.stringify(req.model.id) };
  let pending: string[] | null = firstBatch;
  let parsedFirst: unknown = firstEvent;
  let failure: unknown = null;
  let done = false;
  const end = async (): Promise<IteratorResult<StreamEvent, void>> => {
    done = true;
    await reader.return(); // closes the provider's response if we stopped early
    return { value: undefined, done: true };
  };
  return {
    async next(): Promise<IteratorResult<StreamEvent, void>> {
      if (done) return { value: undefined, done: true };
      try {
        if (failure) throw failure;
        for (;;) {
          let batch: string[];
          if (pending) [batch, pending] = [pending, null];
          else {
            const r = await reader.next();
            if (r.done) return await end();
            batch = r.value;
          }
          let data = "";
          let text = "";
          let usage: TextUsage | null = null;
          for (let i = 0; i < batch.length; i++) {
            let chunk: Obj;
            try {
              if (parsedFirst !== undefined) [chunk, parsedFirst] = [parsedFirst as Obj, undefined];
              else chunk = parseEvent(batch[i]) as Obj;
              if (chunk && typeof chunk === "object" && "error" in chunk && chunk.error) {
                if (typeof chunk.error?.message === "string") console.error(`[upstream] error event: ${chunk.error.message.slice(0, 300)}`);
                throw new ProviderError("upstream_error", "The upstream model failed mid-stream; you are billed only for the tokens delivered.", {
                  retryable: false,
                });
              }
            } catch (err) {
              // What came before the failure in this batch is forwarded first.
              if (!data && !usage) throw err;
              failure = err;
              break;
            }
            if (!chunk || typeof chunk !== "object") continue;
            const reported = reportedUsage(chunk.usage);
            if (reported) usage = reported;
            // A usage-only chunk (empty choices) is replaced by ours; content chunks pass through.
            if (!Array.isArray(chunk.choices) || (chunk.choices.length === 0 && reported)) continue;
            for (const c of chunk.choices) text += choiceText(c);
            data += `data: ${ownChunkJson(batch[i], chunk, own)}\n\n`;
          }
          if (!data && !usage) continue;
          return { value: { type: "sse", data, text, usage: usage ?? undefined }, done: false };
        }
      } catch (err) {
        await end();
        throw err;
      }
    },
    return: end,
  };
}

/**
 * The upstream chunk as we forward it: the same JSON with our id, created and model, and
 * without usage, i.e. JSON.stringify({ ...chunk without usage, id, created, model }), made
 * by rewriting the upstream's text instead of serialising the parsed chunk again. Members
 * keep their order and their text as the upstream wrote them; ours replace the upstream's
 * values in place, or come last when it had none. An object whose keys are escaped (rare,
 * and a rewrite could miss one) is serialised the usual way.
 */
export function ownChunkJson(raw: string, chunk: Obj, own: { id: string; created: string; model: string }): string {
  let rewritten: string | null = null;
  // A multi-line event's JSON may hold line breaks, which our one-line event cannot.
  if (!raw.includes("\n") && !raw.includes("\r")) {
    if (!("usage" in chunk)) rewritten = rewriteMembers(raw, own, true);
    // OpenAI's chunks end with "usage":null when usage is asked for.
    else if (chunk.usage === null && raw.endsWith(USAGE_NULL)) rewritten = rewriteMembers(`${raw.slice(0, -USAGE_NULL.length)}}`, own, true);
    else rewritten = rewriteMembers(raw, own, false);
  }
  return rewritten ?? JSON.stringify({ ...withoutUsage(chunk), id: JSON.parse(own.id), created: JSON.parse(own.created), model: JSON.parse(own.model) });
}
const USAGE_NULL = ',"usage":null}';

function withoutUsage(chunk: Obj): Obj {
  const { usage: _usage, ...rest } = chunk;
  return rest;
}

const isWs = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;

/** Index just past the string starting at `i` (a quote), or -1. */
function stringEnd(s: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = s.indexOf('"', j);
    if (q < 0) return -1;
    let b = q - 1;
    while (s.charCodeAt(b) === 92) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1; // an even number of backslashes: not escaped
    j = q + 1;
  }
}

/** Index just past the JSON value starting at `i`, or -1. */
function valueEnd(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 34) return stringEnd(s, i);
  if (c === 123 || c === 91) {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const d = s.charCodeAt(j);
      if (d === 34) {
        j = stringEnd(s, j) - 1;
        if (j < 0) return -1;
      } else if (d === 123 || d === 91) depth++;
      else if (d === 125 || d === 93) {
        if (--depth === 0) return j + 1;
      }
    }
    return -1;
  }
  let j = i;
  while (j < s.length) {
    const d = s.charCodeAt(j);
    if (d === 44 || d === 125 || d === 93 || isWs(d)) break;
    j++;
  }
  return j > i ? j : -1;
}

/**
 * The rewrite; with `noUsage` (the chunk has no usage member) it stops reading members once
 * id, created and model were replaced and copies the rest as it is: upstreams put those
 * first, so the choices are not scanned (a repeat of one of them further on, which no
 * upstream writes, would then be forwarded as it is).
 */
function rewriteMembers(s: string, own: { id: string; created: string; model: string }, noUsage: boolean): string | null {
  let i = 0;
  while (isWs(s.charCodeAt(i))) i++;
  if (s.charCodeAt(i) !== 123) return null;
  i++;
  while (isWs(s.charCodeAt(i))) i++;
  let out = "{";
  let hasId = false;
  let hasCreated = false;
  let hasModel = false;
  if (s.charCodeAt(i) !== 125) {
    for (;;) {
      if (s.charCodeAt(i) !== 34) return null;
      const keyEnd = stringEnd(s, i);
      if (keyEnd < 0) return null;
      const key = s.slice(i + 1, keyEnd - 1);
      if (key.includes("\\")) return null;
      let j = keyEnd;
      while (isWs(s.charCodeAt(j))) j++;
      if (s.charCodeAt(j) !== 58) return null;
      j++;
      while (isWs(s.charCodeAt(j))) j++;
      const end = valueEnd(s, j);
      if (end < 0) return null;
      let member: string | null = null;
      if (key === "id") {
        member = `"id":${own.id}`;
        hasId = true;
      } else if (key === "created") {
        member = `"created":${own.created}`;
        hasCreated = true;
      } else if (key === "model") {
        member = `"model":${own.model}`;
        hasModel = true;
      } else if (key !== "usage") member = `${s.slice(i, keyEnd)}:${s.slice(j, end)}`;
      if (member !== null) out += out.length > 1 ? `,${member}` : member;
      i = end;
      if (noUsage && hasId && hasCreated && hasModel) return out + s.slice(i);
      while (isWs(s.charCodeAt(i))) i++;
      const sep = s.charCodeAt(i);
      if (sep === 125) break;
      if (sep !== 44) return null;
      i++;
      while (isWs(s.charCodeAt(i))) i++;
    }
  }
  const sep = () => (out.length > 1 ? "," : "");
  if (!hasId) out += `${sep()}"id":${own.id}`;
  if (!hasCreated) out += `${sep()}"created":${own.created}`;
  if (!hasModel) out += `${sep()}"model":${own.model}`;
  return out + "}";
}
