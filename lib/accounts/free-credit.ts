import { and, eq, isNull, lt, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { freeCreditDays, freeCreditGrants, users } from "@/db/schema";
import { env } from "@/lib/env";
import { grant } from "@/lib/ledger";
import { isDisposableEmail } from "./disposable";
import { emailIdentity } from "./email-identity";
import { createUserWithAccount, SIGNUP_CREDIT_MICRO_USD } from "./index";

// The $10.00 free credit (docs/architecture.md, "The product contract"), granted when an address is verified,
// once per person: once per mailbox identity (./email-identity.ts), never to a throwaway
// domain, and at most FREE_GRANTS_PER_DAY a day across the installation.

export const DEFAULT_FREE_GRANTS_PER_DAY = 1000;

export { FREE_CREDIT_OUTCOMES, type FreeCreditOutcome } from "./free-credit-messages";
import type { FreeCreditOutcome } from "./free-credit-messages";

export function freeGrantsPerDay(): number {
  return env().FREE_GRANTS_PER_DAY ?? DEFAULT_FREE_GRANTS_PER_DAY;
}

export type GrantPolicy = {
  /** Daily cap; default FREE_GRANTS_PER_DAY. */
  grantsPerDay?: number;
  /** Operator-created accounts are deliberate: no cap, no disposable rule (still once per identity). */
  operator?: boolean;
  now?: Date;
};

/**
 * Marks the user's address verified and decides the free credit, in one transaction.
 * Idempotent: a user whose free credit was already decided keeps that decision, and the
 * grant's ledger reference (signup-credit:<account>) can be posted only once anyway.
 */
export async function verifyEmailAndGrant(db: Queryable, input: { userId: string; accountId: string }, policy: GrantPolicy = {}): Promise<FreeCreditOutcome> {
  const now = policy.now ?? new Date();
  return db.transaction(async (tx) => {
    // The row lock serialises two verifications of the same user.
    const [u] = await tx
      .select({ email: users.email, freeCredit: users.freeCredit, emailVerifiedAt: users.emailVerifiedAt })
      .from(users)
      .where(eq(users.id, input.userId))
      .for("update");
    if (!u) throw new Error(`no user ${input.userId}`);
    if (!u.emailVerifiedAt) await tx.update(users).set({ emailVerifiedAt: now }).where(eq(users.id, input.userId));
    if (u.freeCredit) return u.freeCredit as FreeCreditOutcome;
    const outcome = await decide(tx, { ...input, email: u.email, now, policy });
    await tx
      .update(users)
      .set({ freeCredit: outcome })
      .where(and(eq(users.id, input.userId), isNull(users.freeCredit)));
    return outcome;
  });
}

async function decide(tx: Queryable, input: { userId: string; accountId: string; email: string; now: Date; policy: GrantPolicy }): Promise<FreeCreditOutcome> {
  if (!input.policy.operator && isDisposableEmail(input.email)) return "disposable";
  const identity = emailIdentity(input.email);
  // The primary key makes this once per identity: a concurrent verification of an alias
  // waits on this uncommitted row and then finds the conflict.
  const claimed = await tx
    .insert(freeCreditGrants)
    .values({ identity, accountId: input.accountId, grantedAt: input.now })
    .onConflictDoNothing()
    .returning({ identity: freeCreditGrants.identity });
  if (!claimed.length) return "identity_used";
  if (!input.policy.operator) {
    const cap = input.policy.grantsPerDay ?? freeGrantsPerDay();
    const day = input.now.toISOString().slice(0, 10);
    await tx.insert(freeCreditDays).values({ day, grants: 0 }).onConflictDoNothing();
    // A conditional increment of one row: concurrent verifications queue on its lock, so
    // the count never passes the cap.
    const counted = await tx
      .update(freeCreditDays)
      .set({ grants: sql`${freeCreditDays.grants} + 1` })
      .where(and(eq(freeCreditDays.day, day), lt(freeCreditDays.grants, cap)))
      .returning({ grants: freeCreditDays.grants });
    if (!counted.length) {
      // Not granted, so the identity is not used up: it may get the credit another day.
      await tx.delete(freeCreditGrants).where(eq(freeCreditGrants.identity, identity));
      return "daily_cap";
    }
  }
  await grant(tx, {
    accountId: input.accountId,
    amountMicroUsd: SIGNUP_CREDIT_MICRO_USD,
    reference: `signup-credit:${input.accountId}`,
    description: "Free credit for new accounts",
  });
  return "granted";
}

/**
 * An account created by an operator (the CLI's create-user) or a test: verified at once,
 * with the free credit unless its mailbox identity already had it.
 */
export async function createVerifiedUser(db: Queryable, input: { email: string; passwordHash: string; name?: string | null }) {
  const created = await createUserWithAccount(db, input);
  const freeCredit = await verifyEmailAndGrant(db, created, { operator: true });
  return { ...created, freeCredit };
}
