import { z } from "zod";

// Shared pieces of the /v1 request schemas. Objects are "loose": OpenAI parameters we do
// not interpret (temperature, tools, seed, ...) are kept and passed to the provider.

export const modelId = z.string({ error: "must be a string, the id of a model from GET /v1/models" }).min(1, "must not be empty");

export const maxTokens = z.number({ error: "must be an integer" }).int("must be an integer").min(1, "must be at least 1").nullable().optional();

/** USD; parsed exactly (as a decimal string) by maxCostFrom, so only the type is checked here. */
export const maxCost = z.union([z.number(), z.string()], { error: "must be an amount in USD, e.g. 0.05" }).nullable().optional();

export const onlyOne = z
  .number()
  .refine((n) => n === 1, "only 1 is supported; send separate requests for more choices")
  .nullable()
  .optional();

/** `n`: how many choices; the reservation covers each (lib/providers/text/parameters.ts). */
export const choices = z
  .number({ error: "must be an integer" })
  .int("must be an integer")
  .min(1, "must be at least 1")
  .max(128, "must be at most 128")
  .nullable()
  .optional();

export const streamFlag = z.boolean({ error: "must be true or false" }).nullable().optional();
export const streamOptions = z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional();
