import type { Tier } from "@/db/schema/accounts";

// The one place the rate-limit numbers live. The limiter, the dashboard and the docs pages
// all read this module, so changing a number here changes all three. No server-only
// imports: client components may render it.

/** Every limit is "requests per this many seconds". */
export const RATE_LIMIT_WINDOW_SECONDS = 60;

/**
 * The default account-wide ceiling, as a multiple of the tier's per-key limit: an account
 * may hold many keys (MAX_KEYS_PER_ACCOUNT), and without a ceiling of its own each key
 * would multiply its limit. Each tier below may set another number.
 */
export const ACCOUNT_CEILING_FACTOR = 3;

export type TierInfo = {
  id: Tier;
  name: string;
  /** Per API key, per window. */
  requestsPerMinute: number;
  /**
   * Per account, per window, whatever the number of keys (revoked keys' requests of the
   * window included): the ceiling the account's keys share.
   */
  accountRequestsPerMinute: number;
  /** How an account gets this tier, in one sentence for the dashboard and docs. */
  howToGet: string;
};

export const TIER_ORDER = ["free", "elevated", "paid"] as const satisfies readonly Tier[];

export const TIERS_BY_ID = {
  free: {
    id: "free",
    name: "Free",
    requestsPerMinute: 10,
    accountRequestsPerMinute: ACCOUNT_CEILING_FACTOR * 10,
    howToGet: "Every new account starts here; no card needed.",
  },
  elevated: {
    id: "elevated",
    name: "Elevated",
    requestsPerMinute: 60,
    accountRequestsPerMinute: ACCOUNT_CEILING_FACTOR * 60,
    howToGet: "Request it from the dashboard with a short reason; an administrator approves it.",
  },
  paid: {
    id: "paid",
    name: "Paid",
    requestsPerMinute: 300,
    accountRequestsPerMinute: ACCOUNT_CEILING_FACTOR * 300,
    howToGet: "Automatic after your account's first successful payment.",
  },
} as const satisfies Record<Tier, TierInfo>;

/** The tiers in ascending order, for tables. */
export const TIER_LIST: readonly TierInfo[] = TIER_ORDER.map((id) => TIERS_BY_ID[id]);

export function tierInfo(tier: Tier): TierInfo {
  // An unexpected value from the database gets the most conservative limit, not a crash.
  return TIERS_BY_ID[tier] ?? TIERS_BY_ID.free;
}

/** The tier above this one, or null at the top (for "next tier" hints on the dashboard). */
export function nextTier(tier: Tier): TierInfo | null {
  const i = TIER_ORDER.indexOf(tier);
  return i >= 0 && i + 1 < TIER_ORDER.length ? TIERS_BY_ID[TIER_ORDER[i + 1]] : null;
}

/** Response header names, exactly as the public docs state them (lower case, as HTTP/2 sends them). */
export const RATE_LIMIT_HEADERS = {
  /** The key's ceiling: requests per window at its tier (the account's ceiling has no header; its 429 says so). */
  limit: "x-ratelimit-limit-requests",
  /** Requests left in the current window after this one. */
  remaining: "x-ratelimit-remaining-requests",
  /** Unix timestamp, in seconds, when the current window ends and the count starts over. */
  reset: "x-ratelimit-reset-requests",
  /** Only on 429: whole seconds to wait; waiting that long lets the next request through. */
  retryAfter: "retry-after",
} as const;
