import { eq } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { users } from "@/db/schema";

// Sessions are signed JWTs (Auth.js), valid until they expire unless revoked here: each
// user has a "sessions valid after" instant, and a session signed in before it is refused
// wherever a session is used (the jwt callback in ./index.ts, on every auth() call). The
// check reads the database each time (one primary-key lookup), so a revocation applies on
// every instance from the next request, with no cache to wait out.

/** Ends every session of the user signed in up to now. */
export async function revokeSessions(db: Queryable, userId: string, at = new Date()): Promise<void> {
  await db.update(users).set({ sessionsValidAfter: at }).where(eq(users.id, userId));
}

export type SessionState = { sessionsValidAfter: Date | null; deletedAt: Date | null } | null;

/** Whether a session signed in at `authAtMs` (epoch ms) may still be used. */
export function sessionIsCurrent(user: SessionState, authAtMs: number | undefined): boolean {
  if (!user || user.deletedAt) return false;
  if (!user.sessionsValidAfter) return true;
  return (authAtMs ?? 0) > user.sessionsValidAfter.getTime();
}

export async function sessionState(db: Queryable, userId: string): Promise<SessionState> {
  const [row] = await db.select({ sessionsValidAfter: users.sessionsValidAfter, deletedAt: users.deletedAt }).from(users).where(eq(users.id, userId));
  return row ?? null;
}
