import { and, count, eq, gt, inArray, lt } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { authFailures } from "@/db/schema";

// Brute-force protection for sign-in: failures are counted per account (email) and per
// client IP over a sliding 15-minute window, in the database so every instance sees them.
export const THROTTLE_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_EMAIL = 5;
export const MAX_FAILURES_PER_IP = 30;

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number; reason: "email" | "ip" };

function subjects(email: string, ip: string | null) {
  return { email: `email:${email.trim().toLowerCase()}`, ip: ip ? `ip:${ip}` : null };
}

export async function checkSignInThrottle(db: Queryable, email: string, ip: string | null, now = new Date()): Promise<ThrottleVerdict> {
  const s = subjects(email, ip);
  const since = new Date(now.getTime() - THROTTLE_WINDOW_MS);
  const list = [s.email, ...(s.ip ? [s.ip] : [])];
  const counts = await db
    .select({ subject: authFailures.subject, n: count() })
    .from(authFailures)
    .where(and(inArray(authFailures.subject, list), gt(authFailures.createdAt, since)))
    .groupBy(authFailures.subject);
  const by = new Map(counts.map((c) => [c.subject, c.n]));
  const retryAfterSeconds = Math.ceil(THROTTLE_WINDOW_MS / 1000);
  if ((by.get(s.email) ?? 0) >= MAX_FAILURES_PER_EMAIL) return { allowed: false, retryAfterSeconds, reason: "email" };
  if (s.ip && (by.get(s.ip) ?? 0) >= MAX_FAILURES_PER_IP) return { allowed: false, retryAfterSeconds, reason: "ip" };
  return { allowed: true };
}

export async function recordSignInFailure(db: Queryable, email: string, ip: string | null): Promise<void> {
  const s = subjects(email, ip);
  await db.insert(authFailures).values([{ subject: s.email }, ...(s.ip ? [{ subject: s.ip }] : [])]);
  // Opportunistic clean-up keeps the table small without a separate job.
  if (Math.random() < 0.01) {
    await db.delete(authFailures).where(lt(authFailures.createdAt, new Date(Date.now() - THROTTLE_WINDOW_MS)));
  }
}

export async function clearSignInFailures(db: Queryable, email: string): Promise<void> {
  await db.delete(authFailures).where(eq(authFailures.subject, subjects(email, null).email));
}

/** The client address as the nearest proxy (or Next.js itself) reported it. */
export function clientIp(headers: Headers): string | null {
  const forwarded = headers.get("x-forwarded-for");
  if (forwarded) {
    const parts = forwarded.split(",").map((p) => p.trim()).filter(Boolean);
    if (parts.length) return parts[parts.length - 1];
  }
  return headers.get("x-real-ip");
}
