import { ApiError } from "@/lib/api/errors";
import type { ChatMessageLike } from "@/lib/providers/text/tokens";

// The Responses API on top of our chat path: a Responses request becomes a chat request
// (so it works for every chat model, simulated or upstream, with the same metering), and
// the answer comes back as a Response object (./response-object.ts) or its stream of
// events (./stream.ts).
//
// We keep no state and run no tools, so whatever needs them is refused with a 400 naming
// the parameter, rather than silently ignored: previous_response_id, conversation,
// store: true (nothing could be retrieved later), background, prompt templates, tools and
// tool items, include, non-text input (images, files, audio), truncation "auto".

type Obj = Record<string, any>;

const UNSUPPORTED: Record<string, string> = {
  previous_response_id: "Responses are not stored here, so there is nothing to continue: send the whole conversation in 'input'.",
  conversation: "Conversations are not stored here: send the whole conversation in 'input'.",
  background: "Background responses are not supported: send the request without 'background' (stream it if it is long).",
  prompt: "Prompt templates are not supported: send the text in 'instructions' and 'input'.",
  tools: "Tools are not supported on /v1/responses here; use /v1/chat/completions with 'tools'.",
  tool_choice: "Tools are not supported on /v1/responses here; use /v1/chat/completions.",
  include: "'include' is not supported: the response always has its output text and usage.",
  top_logprobs: "Log probabilities are not supported on /v1/responses here.",
  max_tool_calls: "Tools are not supported on /v1/responses here.",
  service_tier: "Service tiers are not offered: every request runs at the model's one price. Remove 'service_tier'.",
};

/** Parameters that may be present with a value that changes nothing. */
const HARMLESS: Record<string, (v: unknown) => boolean> = {
  tools: (v) => v == null || (Array.isArray(v) && v.length === 0),
  tool_choice: (v) => v == null || v === "none" || v === "auto",
  include: (v) => v == null || (Array.isArray(v) && v.length === 0),
  background: (v) => v == null || v === false,
  service_tier: (v) => v == null || v === "auto" || v === "default",
  previous_response_id: (v) => v == null,
  conversation: (v) => v == null,
  prompt: (v) => v == null,
  top_logprobs: (v) => v == null || v === 0,
  max_tool_calls: (v) => v == null,
};

export type ChatTranslation = {
  /** The body for our chat path (runTextRequest), client parameters carried over. */
  chatBody: Obj;
  messages: ChatMessageLike[];
};

export function toChatRequest(body: Obj): ChatTranslation {
  for (const [param, message] of Object.entries(UNSUPPORTED)) {
    if (param in body && !HARMLESS[param](body[param])) throw new ApiError("invalid_request", message, { param });
  }
  if (body.store === true) {
    throw new ApiError("invalid_request", "Responses are not stored here (there is no GET /v1/responses/{id}): send 'store': false or leave it out.", { param: "store" });
  }
  if (body.truncation != null && body.truncation !== "disabled") {
    throw new ApiError("invalid_request", "Only 'truncation': 'disabled' is supported: an input over the context window is refused, never cut.", { param: "truncation" });
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
    chatBody.response_format = { type: "json_schema", json_schema: { name: format.name, schema: format.schema, strict: format.strict, description: format.description } };
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
    throw new ApiError("invalid_request", `Input items of type '${type}' are not supported here; send messages (role and content) only.`, { param: `${param}.type` });
  }
  if (!item.role) throw new ApiError("invalid_request", `Missing required parameter: '${param}.role'.`, { param: `${param}.role` });
  if (typeof item.content === "string") return { role: item.role, content: item.content };
  if (!Array.isArray(item.content)) throw new ApiError("invalid_request", `Missing required parameter: '${param}.content'.`, { param: `${param}.content` });
  const parts = (item.content as Obj[]).map((part, j) => {
    if ((part.type === "input_text" || part.type === "output_text" || part.type === "text") && typeof part.text === "string") return { type: "text", text: part.text };
    throw new ApiError(
      "invalid_request",
      `Content parts of type '${part.type}' are not supported on /v1/responses here; send input_text parts.`,
      { param: `${param}.content[${j}]` },
    );
  });
  return { role: item.role, content: parts };
}
