import { z } from "zod";
import { maxCost, modelId } from "@/lib/api/schemas";

// The SDK sends this as multipart/form-data (every value a string); JSON is accepted too.
export const videoBody = z.looseObject({
  model: modelId,
  prompt: z.string({ error: "must be a string" }).min(1, "must not be empty").max(32_000, "must be at most 32000 characters"),
  seconds: z
    .union([z.number().int("must be a whole number of seconds"), z.string().regex(/^\d{1,4}$/, "must be a whole number of seconds")], {
      error: "must be a whole number of seconds, e.g. \"4\"",
    })
    .transform(Number)
    .optional(),
  size: z.string({ error: "must be a string such as \"1280x720\"" }).optional(),
  input_reference: z.unknown().optional(),
  max_cost: maxCost,
});
