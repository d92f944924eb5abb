// The Response object (OpenAI's `Response` schema) built from what our chat path
// answered: one assistant message with one output_text part, usage with our cost.

// OpenAI-shaped JSON read and written field by field, with checks at each use.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

export type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed";

export type ResponseShell = {
  id: string;
  /** Unix seconds. */
  createdAt: number;
  model: string;
  /** The client's request: echoed parameters come from it. */
  request: Obj;
  messageId: string;
};

/** Chat usage (prompt_/completion_tokens, details, our cost fields) in the Responses shape. */
export function responseUsage(u: Obj | null | undefined): Obj | null {
  if (!u) return null;
  const { prompt_tokens, completion_tokens, total_tokens, prompt_tokens_details, completion_tokens_details, ...ours } = u;
  return {
    input_tokens: prompt_tokens ?? 0,
    input_tokens_details: { cached_tokens: prompt_tokens_details?.cached_tokens ?? 0, cache_write_tokens: 0 },
    output_tokens: completion_tokens ?? 0,
    output_tokens_details: { reasoning_tokens: completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: total_tokens ?? (prompt_tokens ?? 0) + (completion_tokens ?? 0),
    ...ours, // cost, cost_micro_usd
  };
}

export function outputMessage(shell: ResponseShell, text: string | null, status: "in_progress" | "completed" | "incomplete", refusal?: string | null): Obj {
  const content: Obj[] = [];
  if (text !== null) content.push(outputText(text));
  if (refusal) content.push({ type: "refusal", refusal });
  return { id: shell.messageId, type: "message", status, role: "assistant", content };
}

export const outputText = (text: string) => ({ type: "output_text", text, annotations: [], logprobs: [] });

export function responseObject(
  shell: ResponseShell,
  input: { status: ResponseStatus; output: Obj[]; usage: Obj | null; error?: { code: string; message: string } | null },
): Obj {
  const r = shell.request;
  const done = input.status !== "in_progress";
  const text = input.output.flatMap((item) => (item.content ?? []).filter((c: Obj) => c.type === "output_text").map((c: Obj) => c.text)).join("");
  return {
    id: shell.id,
    object: "response",
    created_at: shell.createdAt,
    status: input.status,
    background: false,
    completed_at: input.status === "completed" ? Math.floor(Date.now() / 1000) : null,
    error: input.error ?? null,
    incomplete_details: input.status === "incomplete" ? { reason: "max_output_tokens" } : null,
    instructions: r.instructions ?? null,
    max_output_tokens: r.max_output_tokens ?? null,
    max_tool_calls: null,
    model: shell.model,
    output: input.output,
    // The SDKs compute output_text themselves; it is sent too for plain HTTP clients.
    ...(done ? { output_text: text } : {}),
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: r.reasoning?.effort ?? null, summary: null },
    store: false,
    temperature: r.temperature ?? 1,
    text: { format: r.text?.format ?? { type: "text" }, verbosity: r.text?.verbosity ?? "medium" },
    tool_choice: "auto",
    tools: [],
    top_p: r.top_p ?? 1,
    truncation: "disabled",
    ...(input.usage ? { usage: input.usage } : {}),
    ...(typeof r.user === "string" ? { user: r.user } : {}),
    metadata: r.metadata ?? {},
  };
}
