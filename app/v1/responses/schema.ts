import { z } from "zod";
import { maxCost, modelId, streamFlag } from "@/lib/api/schemas";

// POST /v1/responses, as far as it runs on our chat path (lib/responses/translate.ts).
// Parameters that need state or tools we do not have are refused there, by name.

const textPart = z.looseObject({ type: z.string({ error: "must be a content part with a type" }), text: z.string().optional() });

const messageItem = z.looseObject({
  type: z.string().optional(),
  role: z.enum(["user", "assistant", "system", "developer"], { error: "must be one of user, assistant, system, developer" }).optional(),
  content: z.union([z.string(), z.array(textPart)], { error: "must be a string or an array of content parts" }).optional(),
});

export const responsesBody = z.looseObject({
  model: modelId,
  input: z.union([z.string(), z.array(messageItem, { error: "must be an array of input items" }).min(1, "must contain at least one item")], {
    error: "must be a string or an array of input items",
  }),
  instructions: z.string({ error: "must be a string" }).nullable().optional(),
  max_output_tokens: z.number({ error: "must be an integer" }).int("must be an integer").min(1, "must be at least 1").nullable().optional(),
  temperature: z.number({ error: "must be a number" }).min(0, "must be between 0 and 2").max(2, "must be between 0 and 2").nullable().optional(),
  top_p: z.number({ error: "must be a number" }).min(0, "must be between 0 and 1").max(1, "must be between 0 and 1").nullable().optional(),
  stream: streamFlag,
  store: z.boolean({ error: "must be true or false" }).nullable().optional(),
  metadata: z.record(z.string(), z.string(), { error: "must be an object of string values" }).nullable().optional(),
  user: z.string({ error: "must be a string" }).optional(),
  max_cost: maxCost,
});

export type ResponsesBody = z.infer<typeof responsesBody>;
