import { z } from "zod";
import { maxCost, modelId } from "@/lib/api/schemas";
import { SPEECH_FORMATS } from "@/lib/providers/media/speech";

export const speechBody = z.looseObject({
  model: modelId,
  input: z.string({ error: "must be a string" }).min(1, "must not be empty"),
  voice: z.string({ error: 'must be a string such as "alloy"' }).min(1, "must not be empty").max(64).nullable().optional(),
  response_format: z
    .enum(SPEECH_FORMATS, { error: `must be one of ${SPEECH_FORMATS.join(", ")}` })
    .nullable()
    .optional(),
  speed: z.number({ error: "must be a number" }).min(0.25, "must be at least 0.25").max(4, "must be at most 4").nullable().optional(),
  max_cost: maxCost,
});
