import { ApiError, json, readJson, withApiKey, otherMethods } from "@/lib/api";
import { runTextRequest } from "@/lib/api/text-request";
import { outputMessage, responseObject, responseUsage, type ResponseShell } from "@/lib/responses/response-object";
import { responsesEventStream } from "@/lib/responses/stream";
import { toChatRequest } from "@/lib/responses/translate";
import { responsesBody } from "./schema";

export const dynamic = "force-dynamic";

// The Responses API for every chat model: translated to our chat path (same reservation,
// settlement, abort billing and rate limit as /v1/chat/completions) and told back as a
// Response object or its events. Unsupported parameters are refused by name (translate.ts).
export const POST = withApiKey(async (ctx) => {
  const body = await readJson(ctx.req, responsesBody);
  const { chatBody } = toChatRequest(body);
  const stream = body.stream === true;
  const chat = await runTextRequest(ctx, {
    kind: "chat",
    // As a chat client streaming with usage would send it: the providers read `stream` from the body.
    body: { ...chatBody, model: body.model, ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) },
    model: body.model,
    maxTokens: body.max_output_tokens,
    stream,
    includeUsage: true,
    maxCost: body.max_cost,
  }).catch((err: unknown) => {
    throw err instanceof ApiError && err.param && err.param in CHAT_PARAMS ? renamed(err, CHAT_PARAMS[err.param]) : err;
  });
  const shell: ResponseShell = {
    id: `resp_${ctx.requestId.slice(4)}`,
    createdAt: Math.floor(Date.now() / 1000),
    model: body.model,
    request: body,
    messageId: `msg_${ctx.requestId.slice(4)}`,
  };
  if (stream) return responsesEventStream(chat, shell);

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the chat answer's JSON, read field by field below
  const answer = (await chat.json()) as Record<string, any>;
  const choice = answer.choices?.[0];
  const status = choice?.finish_reason === "length" ? "incomplete" : "completed";
  const refusal = typeof choice?.message?.refusal === "string" ? choice.message.refusal : null;
  const text = typeof choice?.message?.content === "string" ? choice.message.content : refusal ? null : "";
  return json(responseObject(shell, { status, output: [outputMessage(shell, text, status, refusal)], usage: responseUsage(answer.usage) }));
});

// The chat path names its own parameters in errors; the client sent these.
const CHAT_PARAMS: Record<string, string> = { max_tokens: "max_output_tokens", max_completion_tokens: "max_output_tokens", messages: "input" };
function renamed(err: ApiError, param: string): ApiError {
  return new ApiError(err.code, err.message.replaceAll(err.param!, param), { param, headers: err.headers, cause: err });
}

// Any other method: a 405 in the OpenAI error shape naming the ones this route takes.
export const { GET, PUT, PATCH, DELETE } = otherMethods("POST");
