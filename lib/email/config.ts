import type { Env } from "@/lib/env";

/**
 * The start-up check for email: in production the app must have a real way to send mail,
 * or sign-up would promise a verification link that never comes. Returns a message naming
 * the variable, or null. (Not part of lib/env's schema: `next build` runs with
 * NODE_ENV=production and must not need mail settings.)
 */
export function emailConfigProblem(e: Pick<Env, "NODE_ENV" | "SMTP_URL">): string | null {
  if (e.NODE_ENV === "production" && !e.SMTP_URL) {
    return "Invalid configuration:\n  SMTP_URL: required in production (e.g. smtps://user:password@smtp.example.com:465) so verification and password-reset links can be emailed; `npm start` sets it to its local mail sink when unset";
  }
  return null;
}
