import { env, type Env } from "@/lib/env";
import { limit as defaultLimit, type RateLimitResult } from "@/lib/ratelimit";
import { BillingError } from "./errors";

// Velocity limits on the payment forms: top-ups and card set-ups per account and per client
// IP, per hour, on the shared rate limiter. Card testers (trying stolen numbers through a
// top-up form) and a runaway script both hit them long before Stripe's own fraud rules;
// every attempt counts, declined or not. Per IP the limit is twice the per-account one,
// so several people behind one office NAT are not refused together.

export const VELOCITY_WINDOW_SECONDS = 3600;
export const DEFAULT_TOPUPS_PER_HOUR = 10;
export const DEFAULT_CARD_SETUPS_PER_HOUR = 5;

export type PaymentAction = "topup" | "card_setup";

export function paymentVelocityLimits(e: Pick<Env, "TOPUP_LIMIT_PER_HOUR" | "CARD_SETUP_LIMIT_PER_HOUR"> = env()) {
  const topup = e.TOPUP_LIMIT_PER_HOUR ?? DEFAULT_TOPUPS_PER_HOUR;
  const cardSetup = e.CARD_SETUP_LIMIT_PER_HOUR ?? DEFAULT_CARD_SETUPS_PER_HOUR;
  return {
    topup: { account: topup, ip: topup * 2 },
    card_setup: { account: cardSetup, ip: cardSetup * 2 },
  } satisfies Record<PaymentAction, { account: number; ip: number }>;
}

type LimitFn = (identifier: string, opts: { limit: number; windowSeconds: number }) => Promise<RateLimitResult>;

const WHAT: Record<PaymentAction, string> = { topup: "top-ups", card_setup: "attempts to add a card" };

function minutes(seconds: number | null): string {
  const m = Math.max(1, Math.ceil((seconds ?? 60) / 60));
  return `${m} minute${m === 1 ? "" : "s"}`;
}

/**
 * Counts one attempt for the account and for the client IP (the existing helper from
 * lib/auth; no IP known means no IP bucket). Throws BillingError "too_many_attempts" with
 * what the limit is and when to try again.
 */
export async function checkPaymentVelocity(
  action: PaymentAction,
  input: { accountId: string; ip: string | null },
  opts: { limits?: ReturnType<typeof paymentVelocityLimits>; limitFn?: LimitFn } = {},
): Promise<void> {
  const limits = (opts.limits ?? paymentVelocityLimits())[action];
  const limitFn = opts.limitFn ?? defaultLimit;
  const many = WHAT[action];
  const account = await limitFn(`pay:${action}:acct:${input.accountId}`, { limit: limits.account, windowSeconds: VELOCITY_WINDOW_SECONDS });
  if (!account.allowed) {
    throw new BillingError(
      "too_many_attempts",
      `Too many ${many} on this account: at most ${limits.account} per hour. Nothing was charged; try again in ${minutes(account.retryAfterSeconds)}, or contact support if you need more.`,
    );
  }
  if (!input.ip) return;
  const ip = await limitFn(`pay:${action}:ip:${input.ip}`, { limit: limits.ip, windowSeconds: VELOCITY_WINDOW_SECONDS });
  if (!ip.allowed) {
    throw new BillingError(
      "too_many_attempts",
      `Too many ${many} from your network: at most ${limits.ip} per hour. Nothing was charged; try again in ${minutes(ip.retryAfterSeconds)}.`,
    );
  }
}
