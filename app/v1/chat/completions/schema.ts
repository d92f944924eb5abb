import { z } from "zod";
import { choices, maxCost, maxTokens, modelId, streamFlag, streamOptions } from "@/lib/api/schemas";

// Parts other than text (image_url, input_audio) are checked against the model, which
// declares what it takes (lib/providers/text/vision.ts).
const contentPart = z.looseObject({ type: z.string({ error: "a content part needs a 'type'" }), text: z.string().optional() }).superRefine((part, ctx) => {
  if (part.type === "text" && typeof part.text !== "string") ctx.addIssue({ code: "custom", path: ["text"], message: "a text part needs a 'text' string" });
});

const message = z.looseObject({
  // "function" (the answer to an assistant function_call) is deprecated but still valid in OpenAI's API: passed through.
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"], {
    error: "must be one of system, developer, user, assistant, tool, function",
  }),
  content: z
    .union([z.string(), z.array(contentPart)], { error: "must be a string or an array of content parts" })
    .nullable()
    .optional(),
  name: z.string().optional(),
});

export const chatCompletionBody = z.looseObject({
  model: modelId,
  messages: z.array(message, { error: "must be an array of messages" }).min(1, "must contain at least one message"),
  max_tokens: maxTokens,
  max_completion_tokens: maxTokens,
  stream: streamFlag,
  stream_options: streamOptions,
  n: choices,
  max_cost: maxCost,
});

export type ChatCompletionBody = z.infer<typeof chatCompletionBody>;
