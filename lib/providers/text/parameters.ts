import { ApiError } from "@/lib/errors";
import type { TextModel } from "@/lib/catalog";
import type { TextKind } from "./types";

// What happens to each request parameter of /v1/chat/completions and /v1/completions: the
// one table the request check below and the API reference (lib/docs/pages/api-reference.ts)
// both read. The client's body reaches the provider as sent (only the model id mapped, and
// stream usage requested), so every parameter that can change what the provider charges us
// is either PRICED (the reservation covers its worst case and the provider's reported usage
// settles it) or REFUSED with a 400 naming it. Nothing that costs money passes unpriced.
// Parameters not listed are forwarded unchanged (providers such as vLLM take extra sampling
// parameters); the provider refuses what it does not know, and that refusal is relayed.

export type ParameterPolicy = "priced" | "forwarded" | "refused" | "ours";

export type ParameterRule = {
  name: string;
  kinds: readonly TextKind[];
  policy: ParameterPolicy;
  /** For the docs: how it is priced, or why it is refused. */
  note: string;
  /** Returns why this value is refused on this model, or null when it is accepted. */
  refuses?: (value: unknown, model: TextModel) => string | null;
};

const BOTH = ["chat", "completion"] as const;
const PROMPT_TEXT = "Input: it reaches the model as prompt text. Held at its UTF-8 length, billed as the provider reports.";
const CHAT = ["chat"] as const;

export const TEXT_PARAMETERS: readonly ParameterRule[] = [
  { name: "model", kinds: BOTH, policy: "priced", note: "Mapped to the provider's id for the model; the model's prices apply." },
  {
    name: "messages",
    kinds: CHAT,
    policy: "priced",
    note: "Input tokens, every role (the deprecated function role and an assistant's function_call included). Held at the UTF-8 length of the body plus template framing per message (lib/providers/text/prompt-bound.ts); image parts (image_url) on models that take images held by OpenAI's image-token formula, input_audio parts on models that take audio by their duration; billed from the provider's usage.",
  },
  { name: "prompt", kinds: ["completion"], policy: "priced", note: "Input tokens." },
  { name: "suffix", kinds: ["completion"], policy: "priced", note: PROMPT_TEXT },
  { name: "tools", kinds: CHAT, policy: "priced", note: PROMPT_TEXT },
  { name: "functions", kinds: CHAT, policy: "priced", note: `Deprecated, passed through. ${PROMPT_TEXT}` },
  { name: "tool_choice", kinds: CHAT, policy: "priced", note: PROMPT_TEXT },
  { name: "function_call", kinds: CHAT, policy: "priced", note: `Deprecated, passed through. ${PROMPT_TEXT}` },
  { name: "response_format", kinds: CHAT, policy: "priced", note: `A json_schema is ${PROMPT_TEXT[0].toLowerCase()}${PROMPT_TEXT.slice(1)}` },
  {
    name: "max_tokens",
    kinds: BOTH,
    policy: "priced",
    note: "The output cap: the reservation covers it. Without a cap nothing is added; the reservation covers the model's maximum output.",
  },
  { name: "max_completion_tokens", kinds: CHAT, policy: "priced", note: "The output cap (reasoning included), as max_tokens." },
  {
    name: "n",
    kinds: BOTH,
    policy: "priced",
    note: "Choices: the reservation covers n times the output cap. Simulators make one choice.",
    refuses: (v, m) =>
      typeof v === "number" && v > 1 && m.provider === "local" ? `the simulator ${m.id} makes only 1 choice; send n: 1 or leave it out` : null,
  },
  {
    name: "best_of",
    kinds: ["completion"],
    policy: "refused",
    note: "Generates best_of completions server-side, billed but not returned: refused unless 1.",
    refuses: (v) => (v != null && v !== 1 ? "best_of generates completions you would pay for but not receive; only 1 is supported" : null),
  },
  { name: "reasoning_effort", kinds: CHAT, policy: "priced", note: "Reasoning tokens are billed as output, within the output cap." },
  {
    name: "prediction",
    kinds: CHAT,
    policy: "priced",
    note: `${PROMPT_TEXT} Rejected prediction tokens are part of the provider's completion tokens, billed as output.`,
  },
  {
    name: "modalities",
    kinds: CHAT,
    policy: "refused",
    note: "Audio output is priced per audio token, which no model here declares: refused unless text only.",
    refuses: (v) =>
      Array.isArray(v) && v.some((x) => x !== "text") ? 'audio output is not priced on this platform; send modalities: ["text"] or leave it out' : null,
  },
  {
    name: "audio",
    kinds: CHAT,
    policy: "refused",
    note: "Audio output parameters: refused (audio output is not priced).",
    refuses: (v) => (v != null ? "audio output is not priced on this platform; leave out audio" : null),
  },
  {
    name: "web_search_options",
    kinds: CHAT,
    policy: "refused",
    note: "Web search is billed per call by the provider: refused.",
    refuses: (v) => (v != null ? "web search is billed per call by the provider and is not priced here; leave out web_search_options" : null),
  },
  {
    name: "service_tier",
    kinds: CHAT,
    policy: "refused",
    note: "Tiers such as flex or priority change the provider's price: only auto and default are accepted.",
    refuses: (v) =>
      v != null && v !== "auto" && v !== "default"
        ? `service_tier "${String(v)}" changes the provider's price and is not priced here; use "auto" or "default"`
        : null,
  },
  { name: "stream", kinds: BOTH, policy: "forwarded", note: "Forwarded as sent." },
  {
    name: "stream_options",
    kinds: BOTH,
    policy: "forwarded",
    note: "Forwarded; include_usage is set towards the provider so usage is metered, and its usage chunk reaches you only if you asked for it.",
  },
  { name: "max_cost", kinds: BOTH, policy: "ours", note: "Our per-request spending cap (USD); never sent to the provider." },
  ...[
    "temperature",
    "top_p",
    "stop",
    "seed",
    "frequency_penalty",
    "presence_penalty",
    "logit_bias",
    "logprobs",
    "top_logprobs",
    "parallel_tool_calls",
    "user",
    "metadata",
    "store",
    "verbosity",
    "prompt_cache_key",
    "safety_identifier",
    "echo",
  ].map((name): ParameterRule => ({
    name,
    kinds: ["echo"].includes(name)
      ? ["completion"]
      : ["temperature", "top_p", "stop", "seed", "frequency_penalty", "presence_penalty", "logit_bias", "logprobs", "user"].includes(name)
        ? BOTH
        : CHAT,
    policy: "forwarded",
    note: "Forwarded unchanged; does not change the price.",
  })),
];

const byName = new Map(TEXT_PARAMETERS.map((r) => [r.name, r]));

/** Refuses (400, naming the parameter) what would cost money we do not price. */
export function checkTextParameters(kind: TextKind, body: Record<string, unknown>, model: TextModel): void {
  for (const [name, value] of Object.entries(body)) {
    const rule = byName.get(name);
    if (!rule?.refuses || !rule.kinds.includes(kind)) continue;
    const why = rule.refuses(value, model);
    if (why) throw new ApiError("invalid_request", `Unsupported parameter: '${name}': ${why}.`, { param: name });
  }
}
