import { outputMessage, outputText, responseObject, responseUsage, type ResponseShell } from "./response-object";

// A streamed chat answer (our SSE: chat.completion.chunk objects, the usage chunk, [DONE])
// re-told as the Responses API's events:
//   response.created, response.in_progress, response.output_item.added,
//   response.content_part.added, response.output_text.delta …, response.output_text.done,
//   response.content_part.done, response.output_item.done, then response.completed (or
//   response.incomplete when the output cap cut it, response.failed when the model failed),
//   the final Response carrying usage with our cost.
// Pull-based like the chat stream beneath it: a chat chunk is read only when the client
// wants the next event, so the chat stream's metering works unchanged: a client that
// closes early cancels it and is billed for the tokens delivered, one that never reads is
// detected as such.

// OpenAI-shaped JSON read and written field by field, with checks at each use.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

export function responsesEventStream(chat: Response, shell: ResponseShell): Response {
  const reader = chat.body!.getReader();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let buffer = "";
  let sequence = 0;
  let started = false;
  let closed = false;
  let text = "";
  let refusal = "";
  let finishReason: string | null = null;
  let usage: Obj | null = null;

  const event = (type: string, payload: Obj) =>
    encoder.encode(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...payload })}\n\n`);
  const part = { item_id: shell.messageId, output_index: 0, content_index: 0 };

  /** The next `data:` payload of the chat stream, or null at its end. */
  async function nextData(): Promise<string | null> {
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split("\n")
          .filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).trimStart())
          .join("\n");
        if (data) return data;
        continue;
      }
      const { done, value } = await reader.read();
      if (done) return null;
      buffer += decoder.decode(value, { stream: true });
    }
  }

  const finalEvents = (): Uint8Array[] => {
    const status = finishReason === "length" ? "incomplete" : "completed";
    const message = outputMessage(shell, text, status, refusal || null);
    const out = [event("response.output_text.done", { ...part, text, logprobs: [] }), event("response.content_part.done", { ...part, part: outputText(text) })];
    out.push(event("response.output_item.done", { output_index: 0, item: message }));
    out.push(event(`response.${status}`, { response: responseObject(shell, { status, output: [message], usage }) }));
    return out;
  };

  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (closed) return;
      if (!started) {
        // Sent once the model has accepted the request (errors before that were plain 4xx/5xx answers).
        started = true;
        const shellResponse = responseObject(shell, { status: "in_progress", output: [], usage: null });
        controller.enqueue(event("response.created", { response: shellResponse }));
        controller.enqueue(event("response.in_progress", { response: shellResponse }));
        controller.enqueue(event("response.output_item.added", { output_index: 0, item: outputMessage(shell, null, "in_progress") }));
        controller.enqueue(event("response.content_part.added", { ...part, part: outputText("") }));
        return;
      }
      for (;;) {
        const data = await nextData();
        if (closed) return;
        if (data === null) {
          closed = true;
          for (const e of finalEvents()) controller.enqueue(e);
          controller.close();
          return;
        }
        if (data === "[DONE]") continue;
        const chunk = JSON.parse(data) as Obj;
        if (chunk.error) {
          // The model failed mid-stream; the chat stream has billed what was delivered.
          closed = true;
          const message = outputMessage(shell, text, "incomplete");
          const error = { code: "server_error", message: String(chunk.error.message ?? "The model failed mid-stream.") };
          controller.enqueue(event("response.failed", { response: responseObject(shell, { status: "failed", output: [message], usage: null, error }) }));
          controller.close();
          await reader.cancel().catch(() => {});
          return;
        }
        if (chunk.usage) usage = responseUsage(chunk.usage);
        const choice = chunk.choices?.[0];
        if (choice?.finish_reason) finishReason = choice.finish_reason;
        if (typeof choice?.delta?.refusal === "string") refusal += choice.delta.refusal;
        const delta = choice?.delta?.content;
        if (typeof delta === "string" && delta) {
          text += delta;
          controller.enqueue(event("response.output_text.delta", { ...part, delta, logprobs: [] }));
          return;
        }
      }
    },
    async cancel(reason) {
      // The client went away: cancelling the chat stream settles what was delivered.
      closed = true;
      await reader.cancel(reason).catch(() => {});
    },
  });
  return new Response(stream, { status: 200, headers: chat.headers });
}
