import type { Tier } from "@/db/schema/accounts";
import { ApiError, type OpenAIErrorBody } from "@/lib/errors";
import { nextTier, tierInfo } from "./tiers";

// The 429, in the OpenAI error shape with OpenAI's type for request-rate limits
// ("requests", lib/errors.ts) and code, built here so the /v1 wrapper and the docs page
// show the same thing. Client-safe: no server imports.

/** The refusal: what was hit, when to retry (also in Retry-After), and how to get a higher limit. */
export function rateLimitExceededError(args: { tier: Tier; retryAfterSeconds: number | null | undefined }): ApiError {
  const t = tierInfo(args.tier);
  const wait = Math.max(1, Math.ceil(args.retryAfterSeconds ?? 1));
  const next = nextTier(t.id);
  const message =
    `Rate limit reached: ${t.requestsPerMinute} requests per minute for this API key on the ${t.name} tier. ` +
    `Try again in ${wait} second${wait === 1 ? "" : "s"} (see the Retry-After header).` +
    (next
      ? ` The ${next.name} tier allows ${next.requestsPerMinute} per minute (${next.howToGet.charAt(0).toLowerCase()}${next.howToGet.slice(1).replace(/\.$/, "")}).`
      : "");
  return new ApiError("rate_limit_exceeded", message, { headers: { "retry-after": String(wait) } });
}

export function rateLimitExceededBody(args: { tier: Tier; retryAfterSeconds: number | null }): OpenAIErrorBody {
  return rateLimitExceededError(args).toJSON();
}
