import { z } from "zod";
import { maxCost, modelId } from "@/lib/api/schemas";

// The SDK sends this as multipart/form-data (every value a string); JSON is accepted too.
export const videoBody = z.looseObject({
  model: modelId,
  prompt: z.string({ error: "must be a string" }).min(1, "must not be empty").max(32_000, "must be at most 32000 characters"),
  seconds: z
    .union([z.number().int("must be a whole number of seconds"), z.string().regex(/^\d{1,4}$/, "must be a whole number of seconds")], {
      error: 'must be a whole number of seconds, e.g. "4"',
    })
    .transform(Number)
    .optional(),
  size: z.string({ error: 'must be a string such as "1280x720"' }).optional(),
  input_reference: z.unknown().optional(),
  max_cost: maxCost,
});

// GET /v1/videos query: OpenAI's cursor pagination (the SDK's auto-pager sends `after`
// = the previous page's last_id until has_more is false).
export const videoListQuery = z.object({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, "must be a whole number from 0 to 100")
    .transform(Number)
    .refine((n) => n <= 100, "must be a whole number from 0 to 100")
    .optional(),
  order: z.enum(["asc", "desc"], { error: "must be asc or desc" }).optional(),
  after: z.string().min(1, "must be a video id from a previous page").optional(),
});
