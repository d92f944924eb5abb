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

/**
 * The account's ceiling (all its keys together) refused the request, not the key's own
 * limit: a code of its own, so clients and the request log can tell the two apart.
 */
export function accountRateLimitExceededError(args: { tier: Tier; retryAfterSeconds: number | null | undefined }): ApiError {
  const t = tierInfo(args.tier);
  const wait = Math.max(1, Math.ceil(args.retryAfterSeconds ?? 1));
  const next = nextTier(t.id);
  const message =
    `Account rate limit reached: ${t.accountRequestsPerMinute} requests per minute for all API keys of this account together on the ${t.name} tier ` +
    `(each key also has its own ${t.requestsPerMinute}). Try again in ${wait} second${wait === 1 ? "" : "s"} (see the Retry-After header).` +
    (next ? ` The ${next.name} tier allows ${next.accountRequestsPerMinute} per minute per account.` : "");
  return new ApiError("account_rate_limit_exceeded", message, { headers: { "retry-after": String(wait) } });
}
