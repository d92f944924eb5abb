import { z } from "zod";

export const quoteBody = z.strictObject({
  path: z.string({ error: "must be the path of a /v1 endpoint, e.g. /v1/chat/completions" }),
  body: z.looseObject({}, { error: "must be the JSON body you would send to that path" }),
});
