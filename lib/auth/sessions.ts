import { and, eq, isNull } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { apiKeys, billingAccounts, users } from "@/db/schema";
import { notifyKeyChange } from "@/lib/api-keys/changes";
import { cancelEmailTokens } from "./email-tokens";

// Sessions are signed JWTs (Auth.js), valid until they expire unless revoked here: each
// user has a "sessions valid after" instant, and a session signed in before it is refused
// wherever a session is used (the jwt callback in ./index.ts, on every auth() call). The
// check reads the database each time (one primary-key lookup), so a revocation applies on
// every instance from the next request, with no cache to wait out.

/** Ends every session of the user signed in up to now. */
export async function revokeSessions(db: Queryable, userId: string, at = new Date()): Promise<void> {
  await db.update(users).set({ sessionsValidAfter: at }).where(eq(users.id, userId));
}

/**
 * Ends every session of the user and cancels every pending change by emailed link (a new
 * address waiting for confirmation, reset and verification links): what a password reset,
 * a password change and "sign out everywhere" do. Pass a transaction to make it atomic
 * with the change that asked for it.
 */
export async function endSessionsAndPendingChanges(db: Queryable, userId: string, at = new Date()): Promise<void> {
  await revokeSessions(db, userId, at);
  await cancelEmailTokens(db, userId, at);
}

/**
 * The address was just proven by someone who may not be the person who created the
 * unverified account (a password reset by link, or a verification link followed without
 * the creator's session): everything made before is revoked — every API key of the
 * account, every session, every pending change by emailed link — so whatever someone
 * else set up under this address before its owner proved it stops working. Run it in the
 * transaction that verifies, before the free credit is decided, so the credit goes only
 * to the account as the verified person now holds it. Returns how many keys were revoked.
 */
export async function revokeEverythingBefore(db: Queryable, userId: string, at = new Date()): Promise<number> {
  await endSessionsAndPendingChanges(db, userId, at);
  const [acct] = await db
    .select({ id: billingAccounts.id })
    .from(billingAccounts)
    .where(and(eq(billingAccounts.ownerUserId, userId), eq(billingAccounts.personal, true)));
  if (!acct) return 0;
  const revoked = await db
    .update(apiKeys)
    .set({ revokedAt: at })
    .where(and(eq(apiKeys.accountId, acct.id), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  // Every instance drops its cached lookups of the account's keys on commit.
  if (revoked.length) await notifyKeyChange(db, { accountId: acct.id });
  return revoked.length;
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
