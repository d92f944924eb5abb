import { ApiError } from "@/lib/api/errors";
import type { UpstreamConfig } from "@/lib/catalog";
import { callUpstream, callUpstreamJson, readSse } from "../upstream/client";
import { contentText, countTextTokens } from "./tokens";
import type { StreamEvent, TextProvider, TextRequest, TextResult, TextUsage } from "./types";

// Chat and completions on an OpenAI-compatible upstream (vLLM, Ollama, llama.cpp, OpenAI).
// The client's body is forwarded with our changes only: the upstream's model id, the
// output cap we reserved for, and include_usage on streams so the upstream's own count
// is used when it gives one. Otherwise output is counted with our tokenizer.

// An upstream's OpenAI-shaped JSON, read field by field with checks at each use.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

function upstreamBody(req: TextRequest, stream: boolean): Obj {
  const { max_cost: _maxCost, max_tokens: _mt, max_completion_tokens: mct, stream: _s, stream_options: _so, ...rest } = req.body as Obj;
  const body: Obj = { ...rest, model: req.model.upstreamModel ?? req.model.id };
  // Keep the client's choice of field (reasoning models accept only max_completion_tokens).
  if (req.kind === "chat" && mct !== undefined) body.max_completion_tokens = req.maxTokens;
  else body.max_tokens = req.maxTokens;
  if (stream) Object.assign(body, { stream: true, stream_options: { include_usage: true } });
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

function reportedUsage(u: Obj | null | undefined): TextUsage | null {
  if (!u || !isCount(u.prompt_tokens) || !isCount(u.completion_tokens)) return null;
  return { inputTokens: u.prompt_tokens, outputTokens: u.completion_tokens };
}

export function upstreamTextProvider(config: UpstreamConfig): TextProvider {
  return {
    async complete(req: TextRequest): Promise<TextResult> {
      const data = await callUpstreamJson<Obj>(config, { path: path(req), body: upstreamBody(req, false), signal: req.signal });
      if (!Array.isArray(data?.choices)) throw new ApiError("upstream_error", "The upstream model server answered without choices.");
      const { usage, ...rest } = data;
      // Our tokenizer runs only when the upstream reports no (valid) usage: for a long answer
      // it is the most expensive thing this path does.
      const counted = () => ({ inputTokens: req.inputTokens, outputTokens: data.choices.reduce((n: number, c: Obj) => n + countTextTokens(choiceText(c)), 0) });
      return {
        body: { ...rest, id: req.responseId, created: req.created, model: req.model.id },
        usage: reportedUsage(usage) ?? counted(),
      };
    },

    async stream(req: TextRequest) {
      const { res, deadline } = await callUpstream(config, {
        path: path(req),
        body: upstreamBody(req, true),
        signal: req.signal,
        accept: "text/event-stream",
      });
      const events = readSse(res, deadline, config.timeoutMs);
      return (async function* (): AsyncGenerator<StreamEvent> {
        for await (const raw of events) {
          const chunk = raw as Obj;
          if (chunk && typeof chunk === "object" && "error" in chunk && chunk.error) {
            if (typeof chunk.error?.message === "string") console.error(`[upstream] error event: ${chunk.error.message.slice(0, 300)}`);
            throw new ApiError("upstream_error", "The upstream model failed mid-stream; you are billed only for the tokens delivered.");
          }
          const { usage, ...rest } = chunk ?? {};
          const reported = reportedUsage(usage);
          if (reported) yield { type: "usage", usage: reported };
          // A usage-only chunk (empty choices) is replaced by ours; content chunks pass through.
          if (!Array.isArray(rest.choices) || (rest.choices.length === 0 && reported)) continue;
          const text = rest.choices.map((c: Obj) => choiceText(c)).join("");
          yield { type: "chunk", chunk: { ...rest, id: req.responseId, created: req.created, model: req.model.id }, text };
        }
      })();
    },
  };
}
