import type { ApiKeyPrincipal } from "@/lib/api-keys";
import type { ApiError } from "@/lib/api/errors";
import { accountRateLimitExceededError, limitKeyAndAccount, rateLimitExceededError, rateLimitHeaders } from "@/lib/ratelimit";
import type { RateLimitResult } from "@/lib/ratelimit";
import { countRateLimit } from "@/lib/observability/metrics";

// withApiKey() calls checkRateLimit() once per /v1 request, right after the key is
// authenticated and before the body is read or any credit is reserved, so a limited
// request costs nothing and reaches no model. The headers go on every response.
//
// Two limits, in this order (lib/ratelimit/tiers.ts has the numbers):
//  1. the key's own per-minute limit: the x-ratelimit-* headers describe it, always;
//  2. the account's ceiling, counted per account over all its keys (revoked ones
//     included), only for requests the key's limit let through: a key that hammers past
//     its own limit does not use up its siblings' share. Refused with its own error code,
//     account_rate_limit_exceeded, and Retry-After.

export type RateLimitOutcome = {
  allowed: boolean;
  /** x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests (the key's) */
  headers: Record<string, string>;
  /** Seconds until a retry can succeed; set when allowed is false. */
  retryAfterSeconds?: number;
  /** The 429 to answer with when allowed is false (the key's limit or the account's ceiling). */
  error?: ApiError;
};

type Limits =
  | {
      perKey: (args: { keyId: string; tier: ApiKeyPrincipal["tier"] }) => Promise<RateLimitResult>;
      perAccount: (args: { accountId: string; tier: ApiKeyPrincipal["tier"] }) => Promise<RateLimitResult>;
    }
  | {
      /** Both in one call (one Redis round trip): the account counted only if the key's limit allowed. */
      both: (args: Pick<ApiKeyPrincipal, "keyId" | "accountId" | "tier">) => Promise<{ key: RateLimitResult; account: RateLimitResult | null }>;
    };

/** The per-key and per-account decisions for one request, from the limiter or any pair of limiter calls (tests give their own). */
export async function decideRequest(
  key: Pick<ApiKeyPrincipal, "keyId" | "accountId" | "tier">,
  limits: Limits = { both: limitKeyAndAccount },
): Promise<RateLimitOutcome> {
  let result: RateLimitResult;
  let account: RateLimitResult | null = null;
  if ("both" in limits) ({ key: result, account } = await limits.both({ keyId: key.keyId, accountId: key.accountId, tier: key.tier }));
  else {
    result = await limits.perKey({ keyId: key.keyId, tier: key.tier });
    if (result.allowed) account = await limits.perAccount({ accountId: key.accountId, tier: key.tier });
  }
  countRateLimit(key.tier, result.allowed, result.degraded); // metered_ratelimit_decisions_total (the key's limit)
  const headers = rateLimitHeaders(result);
  delete headers["retry-after"]; // the wrapper's error sets Retry-After itself on the 429
  if (!result.allowed) {
    const retryAfterSeconds = result.retryAfterSeconds ?? undefined;
    return { allowed: false, headers, retryAfterSeconds, error: rateLimitExceededError({ tier: key.tier, retryAfterSeconds }) };
  }
  if (account && !account.allowed) {
    const retryAfterSeconds = account.retryAfterSeconds ?? undefined;
    return { allowed: false, headers, retryAfterSeconds, error: accountRateLimitExceededError({ tier: key.tier, retryAfterSeconds }) };
  }
  return { allowed: true, headers };
}

export async function checkRateLimit(input: { key: ApiKeyPrincipal }): Promise<RateLimitOutcome> {
  return decideRequest(input.key);
}
