import type { ApiKeyPrincipal } from "@/lib/api-keys";

// ─── RATE LIMIT HOOK ────────────────────────────────────────────────────────────────
// withApiKey() calls checkRateLimit() once per /v1 request, right after the key is
// authenticated and before the body is read or any credit is reserved. Integrate
// lib/ratelimit HERE (replace the body of checkRateLimit): return the x-ratelimit-*
// headers, which the wrapper puts on every response (successes AND errors), and
// `allowed: false` with `retryAfterSeconds` to have the wrapper answer 429
// (code rate_limit_exceeded, Retry-After header). Nothing else needs to change.
// ─────────────────────────────────────────────────────────────────────────────────────

export type RateLimitOutcome = {
  allowed: boolean;
  /** e.g. x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests */
  headers: Record<string, string>;
  /** Seconds until a retry can succeed; required when allowed is false. */
  retryAfterSeconds?: number;
};

export async function checkRateLimit(_input: { key: ApiKeyPrincipal; req: Request; requestId: string }): Promise<RateLimitOutcome> {
  return { allowed: true, headers: {} };
}
