import { z } from "zod";
import { maxCost, modelId } from "@/lib/api/schemas";

export const imageBody = z.looseObject({
  model: modelId,
  prompt: z.string({ error: "must be a string" }).min(1, "must not be empty").max(32_000, "must be at most 32000 characters"),
  n: z.number({ error: "must be an integer" }).int("must be an integer").min(1, "must be at least 1").nullable().optional(),
  size: z.string({ error: 'must be a string such as "1024x1024"' }).nullable().optional(),
  response_format: z.enum(["url", "b64_json"], { error: 'must be "url" or "b64_json"' }).nullable().optional(),
  max_cost: maxCost,
});
