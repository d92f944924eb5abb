import type { ApiKeyPrincipal } from "@/lib/api-keys";
import { limitApiKey, rateLimitHeaders } from "@/lib/ratelimit";
import { countRateLimit } from "@/lib/observability/metrics";

// withApiKey() calls checkRateLimit() once per /v1 request, right after the key is
// authenticated and before the body is read or any credit is reserved, so a limited
// request costs nothing and reaches no model. The headers go on every response.

export type RateLimitOutcome = {
  allowed: boolean;
  /** x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests */
  headers: Record<string, string>;
  /** Seconds until a retry can succeed; set when allowed is false. */
  retryAfterSeconds?: number;
};

export async function checkRateLimit(input: { key: ApiKeyPrincipal; req: Request; requestId: string }): Promise<RateLimitOutcome> {
  const result = await limitApiKey({ keyId: input.key.keyId, tier: input.key.tier });
  countRateLimit(input.key.tier, result.allowed, result.degraded); // metered_ratelimit_decisions_total
  const headers = rateLimitHeaders(result);
  delete headers["retry-after"]; // the wrapper sets Retry-After itself on the 429
  return { allowed: result.allowed, headers, retryAfterSeconds: result.retryAfterSeconds ?? undefined };
}
