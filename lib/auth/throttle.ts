import { and, count, eq, gt, inArray, lt, max } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { authFailures } from "@/db/schema";

// Brute-force protection for sign-in, in the database so every instance sees it: failures
// are counted per account (email) and per client IP (lib/auth/client-ip.ts) over the last
// hour, and each failure past a few free ones makes the next attempt wait longer
// (1 s, 2 s, 4 s, … up to MAX_DELAY_SECONDS). There is no lock-out: once the current delay
// has passed, a correct password signs in, so an attacker can slow the owner down by at
// most MAX_DELAY_SECONDS per attempt, never lock them out. A success clears the email's count.
export const THROTTLE_WINDOW_MS = 60 * 60 * 1000;
export const FREE_FAILURES_PER_EMAIL = 3;
export const FREE_FAILURES_PER_IP = 10;
export const MAX_DELAY_SECONDS = 60;

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number; reason: "email" | "ip" };

/** Seconds to wait after the latest failure, given how many failures there were. */
export function delaySeconds(failures: number, free: number): number {
  if (failures <= free) return 0;
  return Math.min(MAX_DELAY_SECONDS, 2 ** (failures - free - 1));
}

function subjects(email: string, ip: string | null) {
  return { email: `email:${email.trim().toLowerCase()}`, ip: ip ? `ip:${ip}` : null };
}

export async function checkSignInThrottle(db: Queryable, email: string, ip: string | null, now = new Date()): Promise<ThrottleVerdict> {
  const s = subjects(email, ip);
  const since = new Date(now.getTime() - THROTTLE_WINDOW_MS);
  const list = [s.email, ...(s.ip ? [s.ip] : [])];
  const rows = await db
    .select({ subject: authFailures.subject, n: count(), last: max(authFailures.createdAt) })
    .from(authFailures)
    .where(and(inArray(authFailures.subject, list), gt(authFailures.createdAt, since)))
    .groupBy(authFailures.subject);
  let worst: ThrottleVerdict = { allowed: true };
  for (const r of rows) {
    const reason = r.subject === s.email ? "email" : "ip";
    const delay = delaySeconds(r.n, reason === "email" ? FREE_FAILURES_PER_EMAIL : FREE_FAILURES_PER_IP);
    const waitMs = (r.last ? new Date(r.last).getTime() : 0) + delay * 1000 - now.getTime();
    if (waitMs > 0) {
      const retryAfterSeconds = Math.ceil(waitMs / 1000);
      if (worst.allowed || retryAfterSeconds > worst.retryAfterSeconds) worst = { allowed: false, retryAfterSeconds, reason };
    }
  }
  return worst;
}

export async function recordSignInFailure(db: Queryable, email: string, ip: string | null, now = new Date()): Promise<void> {
  const s = subjects(email, ip);
  await db.insert(authFailures).values([{ subject: s.email, createdAt: now }, ...(s.ip ? [{ subject: s.ip, createdAt: now }] : [])]);
  // Opportunistic clean-up keeps the table small without a separate job.
  if (Math.random() < 0.01) {
    await db.delete(authFailures).where(lt(authFailures.createdAt, new Date(Date.now() - THROTTLE_WINDOW_MS)));
  }
}

export async function clearSignInFailures(db: Queryable, email: string): Promise<void> {
  await db.delete(authFailures).where(eq(authFailures.subject, subjects(email, null).email));
}
