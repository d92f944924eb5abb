import type { Tier } from "@/db/schema/accounts";
import { tierInfo } from "./tiers";

// The 429 body, in the OpenAI error shape and with OpenAI's type/code, built here so the
// /v1 wrapper and the docs page show the same thing. Client-safe: no server imports.

export type RateLimitErrorBody = {
  error: { message: string; type: "requests"; param: null; code: "rate_limit_exceeded" };
};

export function rateLimitExceededBody(args: { tier: Tier; retryAfterSeconds: number | null }): RateLimitErrorBody {
  const t = tierInfo(args.tier);
  const wait = args.retryAfterSeconds ?? 1;
  return {
    error: {
      message:
        `Rate limit reached: ${t.requestsPerMinute} requests per minute for this API key on the ${t.name} tier. ` +
        `Try again in ${wait} second${wait === 1 ? "" : "s"} (see the Retry-After header).`,
      type: "requests",
      param: null,
      code: "rate_limit_exceeded",
    },
  };
}
