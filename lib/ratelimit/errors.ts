import type { Tier } from "@/db/schema/accounts";
import { nextTier, tierInfo } from "./tiers";

// The 429 body, in the OpenAI error shape and with OpenAI's type ("requests", as for its
// requests-per-minute limits) and code, built here so the /v1 wrapper and the docs page
// show the same thing. Client-safe: no server imports.

export type RateLimitErrorBody = {
  error: { message: string; type: "requests"; param: null; code: "rate_limit_exceeded" };
};

/** What was hit, when to retry, and how to get a higher limit. */
export function rateLimitMessage(args: { tier: Tier; retryAfterSeconds: number | null }): string {
  const t = tierInfo(args.tier);
  const wait = Math.max(1, Math.ceil(args.retryAfterSeconds ?? 1));
  const next = nextTier(t.id);
  return (
    `Rate limit reached: ${t.requestsPerMinute} requests per minute for this API key on the ${t.name} tier. ` +
    `Try again in ${wait} second${wait === 1 ? "" : "s"} (see the Retry-After header).` +
    (next ? ` The ${next.name} tier allows ${next.requestsPerMinute} per minute (${next.howToGet.charAt(0).toLowerCase()}${next.howToGet.slice(1).replace(/\.$/, "")}).` : "")
  );
}

export function rateLimitExceededBody(args: { tier: Tier; retryAfterSeconds: number | null }): RateLimitErrorBody {
  return { error: { message: rateLimitMessage(args), type: "requests", param: null, code: "rate_limit_exceeded" } };
}
