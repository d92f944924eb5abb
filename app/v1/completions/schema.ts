import { z } from "zod";
import { choices, maxCost, maxTokens, modelId, onlyOne, streamFlag, streamOptions } from "@/lib/api/schemas";

export const completionBody = z.looseObject({
  model: modelId,
  prompt: z.union([z.string(), z.array(z.string()).length(1, "send one prompt per request (batched prompts are not supported)")], {
    error: "must be a string",
  }),
  max_tokens: maxTokens,
  stream: streamFlag,
  stream_options: streamOptions,
  n: choices,
  best_of: onlyOne,
  max_cost: maxCost,
});
