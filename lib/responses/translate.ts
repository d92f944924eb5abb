import { ApiError } from "@/lib/errors";
import type { ChatMessageLike } from "@/lib/providers/text/tokens";

// The Responses API on top of our chat path: a Responses request becomes a chat request
// (so it works for every chat model, simulated or upstream, with the same metering), and
// the answer comes back as a Response object (./response-object.ts) or its stream of
// events (./stream.ts).
//
// We keep no state and run no tools, so whatever needs them is refused with a 400 naming
// the parameter rather than silently ignored (RESPONSES_PARAMETERS below).

// OpenAI-shaped JSON read and written field by field, with checks at each use.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

export type ResponsesParameterPolicy = "translated" | "echoed" | "refused" | "ours";

export type ResponsesParameterRule = {
  name: string;
  policy: ResponsesParameterPolicy;
  /** For the docs: what becomes of it. */
  note: string;
  /** Why this value is refused, or null when it is accepted (values that change nothing pass). */
  refuses?: (value: unknown) => string | null;
};

const absent = (v: unknown) => v === undefined || v === null;
const refusedUnless = (ok: (v: unknown) => boolean, why: string) => (v: unknown) => (absent(v) || ok(v) ? null : why);

// Every top-level parameter of POST /v1/responses: the one table the check below and the API
// reference (lib/docs/pages/api-reference.ts) both read. A parameter not listed is refused
// (as OpenAI refuses unknown parameters), so nothing is silently dropped.
export const RESPONSES_PARAMETERS: readonly ResponsesParameterRule[] = [
  { name: "model", policy: "translated", note: "Any chat model (local or upstream); its chat prices apply." },
  {
    name: "input",
    policy: "translated",
    note: "A string, or message items (role and content: a string or input_text/output_text parts), sent as chat messages. Other item types (tool calls and outputs, reasoning, references) and non-text parts are refused.",
  },
  { name: "instructions", policy: "translated", note: "Sent as a system message before the input." },
  {
    name: "max_output_tokens",
    policy: "translated",
    note: "Sent as max_completion_tokens: caps the output, and what is reserved. Without it the model's maximum output is reserved (and nothing is sent).",
  },
  { name: "temperature", policy: "translated", note: "Sent unchanged." },
  { name: "top_p", policy: "translated", note: "Sent unchanged." },
  { name: "user", policy: "translated", note: "Sent unchanged." },
  { name: "safety_identifier", policy: "translated", note: "Sent unchanged." },
  { name: "prompt_cache_key", policy: "translated", note: "Sent unchanged." },
  { name: "stream", policy: "translated", note: "The chat stream re-told as Responses events; a stream closed early is billed for the tokens delivered." },
  { name: "text", policy: "translated", note: "format text, json_object or json_schema becomes response_format; verbosity is sent as verbosity." },
  { name: "reasoning", policy: "translated", note: "effort is sent as reasoning_effort (reasoning tokens bill as output)." },
  { name: "metadata", policy: "echoed", note: "Returned on the Response; not sent to the model." },
  { name: "parallel_tool_calls", policy: "echoed", note: "Accepted and ignored: there are no tools." },
  { name: "stream_options", policy: "echoed", note: "Accepted and ignored: a streamed Response always ends with its usage." },
  { name: "max_cost", policy: "ours", note: "The most this request may cost in USD (402 before any work if the worst case is above it); not sent." },
  {
    name: "store",
    policy: "refused",
    note: "Responses are not stored (there is no GET /v1/responses/{id}): true is refused, false accepted.",
    refuses: refusedUnless((v) => v === false, "Responses are not stored here (there is no GET /v1/responses/{id}): send 'store': false or leave it out."),
  },
  {
    name: "previous_response_id",
    policy: "refused",
    note: "Nothing is stored to continue from: send the whole conversation in input.",
    refuses: refusedUnless(() => false, "Responses are not stored here, so there is nothing to continue: send the whole conversation in 'input'."),
  },
  {
    name: "conversation",
    policy: "refused",
    note: "Conversations are not stored: send the whole conversation in input.",
    refuses: refusedUnless(() => false, "Conversations are not stored here: send the whole conversation in 'input'."),
  },
  {
    name: "background",
    policy: "refused",
    note: "Background responses need storage: refused unless false.",
    refuses: refusedUnless((v) => v === false, "Background responses are not supported: send the request without 'background' (stream it if it is long)."),
  },
  {
    name: "prompt",
    policy: "refused",
    note: "Prompt templates are not supported.",
    refuses: refusedUnless(() => false, "Prompt templates are not supported: send the text in 'instructions' and 'input'."),
  },
  {
    name: "tools",
    policy: "refused",
    note: "No tools on /v1/responses (use /v1/chat/completions): refused unless empty.",
    refuses: refusedUnless((v) => Array.isArray(v) && v.length === 0, "Tools are not supported on /v1/responses here; use /v1/chat/completions with 'tools'."),
  },
  {
    name: "tool_choice",
    policy: "refused",
    note: "No tools: only none or auto.",
    refuses: refusedUnless((v) => v === "none" || v === "auto", "Tools are not supported on /v1/responses here; use /v1/chat/completions."),
  },
  { name: "max_tool_calls", policy: "refused", note: "No tools.", refuses: refusedUnless(() => false, "Tools are not supported on /v1/responses here.") },
  {
    name: "include",
    policy: "refused",
    note: "Refused unless empty: the Response always has its output text and usage.",
    refuses: refusedUnless((v) => Array.isArray(v) && v.length === 0, "'include' is not supported: the response always has its output text and usage."),
  },
  {
    name: "top_logprobs",
    policy: "refused",
    note: "Log probabilities are not offered here: refused unless 0.",
    refuses: refusedUnless((v) => v === 0, "Log probabilities are not supported on /v1/responses here."),
  },
  {
    name: "service_tier",
    policy: "refused",
    note: "One price per model: only auto or default.",
    refuses: refusedUnless(
      (v) => v === "auto" || v === "default",
      "Service tiers are not offered: every request runs at the model's one price. Remove 'service_tier'.",
    ),
  },
  {
    name: "truncation",
    policy: "refused",
    note: "Only disabled: an input over the context window is refused, never cut.",
    refuses: refusedUnless((v) => v === "disabled", "Only 'truncation': 'disabled' is supported: an input over the context window is refused, never cut."),
  },
];

const RULES = new Map(RESPONSES_PARAMETERS.map((r) => [r.name, r]));

export type ChatTranslation = {
  /** The body for our chat path (runTextRequest), client parameters carried over. */
  chatBody: Obj;
  messages: ChatMessageLike[];
};

export function toChatRequest(body: Obj): ChatTranslation {
  for (const [param, value] of Object.entries(body)) {
    const rule = RULES.get(param);
    if (!rule)
      throw new ApiError(
        "invalid_request",
        `Unknown parameter: '${param}'. The parameters /v1/responses takes are listed in the API reference (/docs/api-reference).`,
        { param },
      );
    const why = rule.refuses?.(value);
    if (why) throw new ApiError("invalid_request", why, { param });
  }

  const messages: ChatMessageLike[] = [];
  if (typeof body.instructions === "string" && body.instructions) messages.push({ role: "system", content: body.instructions });
  if (typeof body.input === "string") messages.push({ role: "user", content: body.input });
  else (body.input as Obj[]).forEach((item, i) => messages.push(messageFrom(item, `input[${i}]`)));

  const chatBody: Obj = { messages };
  for (const k of ["temperature", "top_p", "user", "safety_identifier", "prompt_cache_key"]) if (body[k] != null) chatBody[k] = body[k];
  if (body.max_output_tokens != null) chatBody.max_completion_tokens = body.max_output_tokens;
  const effort = body.reasoning?.effort;
  if (typeof effort === "string") chatBody.reasoning_effort = effort;
  const format = body.text?.format;
  if (format && format.type === "json_object") chatBody.response_format = { type: "json_object" };
  else if (format && format.type === "json_schema") {
    chatBody.response_format = {
      type: "json_schema",
      json_schema: { name: format.name, schema: format.schema, strict: format.strict, description: format.description },
    };
  } else if (format && format.type !== "text") {
    throw new ApiError("invalid_request", "text.format must be text, json_object or json_schema.", { param: "text.format" });
  }
  if (body.text?.verbosity != null) chatBody.verbosity = body.text.verbosity;
  return { chatBody, messages };
}

/** One input item (a message, with or without type: "message") as a chat message. */
function messageFrom(item: Obj, param: string): ChatMessageLike {
  const type = item.type ?? "message";
  if (type !== "message") {
    throw new ApiError("invalid_request", `Input items of type '${type}' are not supported here; send messages (role and content) only.`, {
      param: `${param}.type`,
    });
  }
  if (!item.role) throw new ApiError("invalid_request", `Missing required parameter: '${param}.role'.`, { param: `${param}.role` });
  if (typeof item.content === "string") return { role: item.role, content: item.content };
  if (!Array.isArray(item.content)) throw new ApiError("invalid_request", `Missing required parameter: '${param}.content'.`, { param: `${param}.content` });
  const parts = (item.content as Obj[]).map((part, j) => {
    if ((part.type === "input_text" || part.type === "output_text" || part.type === "text") && typeof part.text === "string")
      return { type: "text", text: part.text };
    throw new ApiError("invalid_request", `Content parts of type '${part.type}' are not supported on /v1/responses here; send input_text parts.`, {
      param: `${param}.content[${j}]`,
    });
  });
  return { role: item.role, content: parts };
}
