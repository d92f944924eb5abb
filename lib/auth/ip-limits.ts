import { env, type Env } from "@/lib/env";
import { limit as defaultLimit, type RateLimitResult } from "@/lib/ratelimit";
import { passwordProblem } from "./password";
import { signupSchema } from "./signup";

// Abuse limits on the account endpoints, per client IP, on the same limiter (and store) as
// the API: sign-ups per hour and sign-in attempts per minute. They sit in front of the
// expensive parts (scrypt, database writes). The database failure throttle in ./throttle.ts
// stays as well: it counts failures per email over 15 minutes, which an IP limit cannot.
// The numbers are configurable because a test suite signs up many users from 127.0.0.1.

export const SIGNUP_WINDOW_SECONDS = 3600;
export const SIGNIN_WINDOW_SECONDS = 60;
export const DEFAULT_SIGNUPS_PER_HOUR = 5;
export const DEFAULT_SIGNINS_PER_MINUTE = 20;

export function authIpLimits(e: Pick<Env, "SIGNUP_LIMIT_PER_HOUR" | "SIGNIN_LIMIT_PER_MINUTE"> = env()) {
  return {
    signup: { limit: e.SIGNUP_LIMIT_PER_HOUR ?? DEFAULT_SIGNUPS_PER_HOUR, windowSeconds: SIGNUP_WINDOW_SECONDS },
    signin: { limit: e.SIGNIN_LIMIT_PER_MINUTE ?? DEFAULT_SIGNINS_PER_MINUTE, windowSeconds: SIGNIN_WINDOW_SECONDS },
  };
}

export type IpVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number; message: string; reason: "limit" | "unavailable" };

// These limits fail closed. When the shared store cannot answer, the limiter decides with
// per-instance counters (lib/ratelimit/store-guard.ts): fine for API traffic, too weak here,
// where N instances would allow N times the guesses or the sign-ups. So a decision that
// did not come from the store refuses, saying why.
const UNAVAILABLE_RETRY_SECONDS = 30;
function unavailable(what: string): IpVerdict {
  return {
    allowed: false,
    reason: "unavailable",
    retryAfterSeconds: UNAVAILABLE_RETRY_SECONDS,
    message: `${what} is paused for a moment: the service that enforces our abuse limits is not answering. Try again in ${UNAVAILABLE_RETRY_SECONDS} seconds.`,
  };
}

type LimitFn = (identifier: string, opts: { limit: number; windowSeconds: number }) => Promise<RateLimitResult>;
type Options = { limits?: ReturnType<typeof authIpLimits>; limitFn?: LimitFn };

/**
 * Counts one sign-up from this IP. No IP known (no proxy header, not behind Next's
 * server) means no IP limit: one shared "unknown" bucket would let anyone lock everyone out.
 */
export async function checkSignupIp(ip: string | null, opts: Options = {}): Promise<IpVerdict> {
  if (!ip) return { allowed: true };
  const { signup } = opts.limits ?? authIpLimits();
  const r = await (opts.limitFn ?? defaultLimit)(`signup:ip:${ip}`, signup);
  if (r.degraded) return unavailable("Sign-up");
  if (r.allowed) return { allowed: true };
  const wait = waitText(r.retryAfterSeconds);
  return {
    allowed: false,
    reason: "limit",
    retryAfterSeconds: r.retryAfterSeconds ?? 1,
    message: `Too many sign-ups from your network: at most ${signup.limit} per hour. Try again in ${wait}.`,
  };
}

/** Counts one sign-in attempt (right or wrong password) from this IP. */
export async function checkSignInIp(ip: string | null, opts: Options = {}): Promise<IpVerdict> {
  if (!ip) return { allowed: true };
  const { signin } = opts.limits ?? authIpLimits();
  const r = await (opts.limitFn ?? defaultLimit)(`signin:ip:${ip}`, signin);
  if (r.degraded) return unavailable("Sign-in");
  if (r.allowed) return { allowed: true };
  const wait = waitText(r.retryAfterSeconds);
  return {
    allowed: false,
    reason: "limit",
    retryAfterSeconds: r.retryAfterSeconds ?? 1,
    message: `Too many sign-in attempts from your network: at most ${signin.limit} per minute. Try again in ${wait}.`,
  };
}

/**
 * True when a sign-up form would create an account: only those count against the IP
 * limit, so someone fixing a weak password is not locked out for an hour.
 */
export function signupWouldCreate(input: { email: string; password: string; name?: string }): boolean {
  const parsed = signupSchema.safeParse(input);
  return parsed.success && !passwordProblem(parsed.data.password, parsed.data.email);
}

function waitText(seconds: number | null): string {
  const s = Math.max(1, seconds ?? 1);
  if (s < 90) return `${s} second${s === 1 ? "" : "s"}`;
  const m = Math.ceil(s / 60);
  return `${m} minutes`;
}
