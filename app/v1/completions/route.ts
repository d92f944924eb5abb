import { readJson, withApiKey, otherMethods } from "@/lib/api";
import { runTextRequest } from "@/lib/providers/text/endpoint";
import { countTextTokens } from "@/lib/providers/text/tokens";
import { completionBody } from "./schema";

export const dynamic = "force-dynamic";

export const POST = withApiKey(async (ctx) => {
  const body = await readJson(ctx.req, completionBody);
  const prompt = Array.isArray(body.prompt) ? body.prompt[0] : body.prompt;
  return runTextRequest(ctx, {
    kind: "completion",
    body,
    model: body.model,
    maxTokens: body.max_tokens,
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    maxCost: body.max_cost,
    inputTokens: countTextTokens(prompt),
  });
});

// Any other method: a 405 in the OpenAI error shape naming the ones this route takes.
export const { GET, PUT, PATCH, DELETE } = otherMethods("POST");
