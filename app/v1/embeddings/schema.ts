import { z } from "zod";
import { maxCost, modelId } from "@/lib/api/schemas";

// OpenAI's input forms: a string, strings, token ids, or arrays of token ids. Counts and
// per-model limits (tokens per input, inputs per request) are checked in the route.
const text = z.string().min(1, "must not be an empty string");
const tokenId = z
  .number()
  .int("token ids must be integers")
  .min(0, "token ids must be non-negative")
  .max(2 ** 31 - 1, "token ids must be below 2^31");
const tokens = z.array(tokenId).min(1, "a token array must not be empty");

export const embeddingBody = z.looseObject({
  model: modelId,
  input: z.union([text, z.array(text).min(1, "must not be empty"), tokens, z.array(tokens).min(1, "must not be empty")], {
    error: "must be a non-empty string, an array of strings, an array of token ids or an array of token id arrays",
  }),
  encoding_format: z.enum(["float", "base64"], { error: "must be float or base64" }).optional(),
  dimensions: z.number({ error: "must be an integer" }).int("must be an integer").min(1, "must be at least 1").optional(),
  user: z.string({ error: "must be a string" }).optional(),
  max_cost: maxCost,
});

export type EmbeddingBody = z.infer<typeof embeddingBody>;
