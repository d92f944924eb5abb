import { readJson, withApiKey, otherMethods } from "@/lib/api";
import { runTextRequest } from "@/lib/api/text-request";
import { chatCompletionBody } from "./schema";

export const dynamic = "force-dynamic";

export const POST = withApiKey(async (ctx) => {
  const body = await readJson(ctx.req, chatCompletionBody);
  return runTextRequest(ctx, {
    kind: "chat",
    body,
    model: body.model,
    maxTokens: body.max_completion_tokens ?? body.max_tokens,
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    maxCost: body.max_cost,
  });
});

// Any other method: a 405 in the OpenAI error shape naming the ones this route takes.
export const { GET, PUT, PATCH, DELETE } = otherMethods("POST");
