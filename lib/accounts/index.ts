import { and, eq, isNull, sql } from "drizzle-orm";
import { rows } from "@/db/rows";
import type { Queryable } from "@/db/client";
import { billingAccounts, organizationMembers, projects, users, type Tier } from "@/db/schema";
import { newId } from "@/lib/ids";
import { emailIdentity } from "./email-identity";
import { notifyKeyChange } from "@/lib/api-keys/changes";
import { usd } from "@/lib/money";

/** The free credit every verified new person gets, once (docs/architecture.md, "The product contract": $10.00; ./free-credit.ts). */
export const SIGNUP_CREDIT_MICRO_USD = usd(10);

export class EmailTakenError extends Error {
  constructor() {
    super("An account with this email already exists. Sign in instead.");
  }
}

/** Every organization has this project; keys made without naming a project go in it. */
export const DEFAULT_PROJECT_NAME = "Default";

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Creates the user and their personal organization (a billing account with the user as its
 * owner member and a Default project) in one transaction, unverified and at $0:
 * the free credit comes when the address is verified (./free-credit.ts). The mailbox
 * identity is stored with the user for that decision.
 */
export async function createUserWithAccount(
  db: Queryable,
  input: { email: string; passwordHash: string; name?: string | null },
): Promise<{ userId: string; accountId: string }> {
  const email = normalizeEmail(input.email);
  const userId = newId("usr");
  const accountId = newId("acct");
  try {
    await db.transaction(async (tx) => {
      await tx.insert(users).values({ id: userId, email, emailIdentity: emailIdentity(email), name: input.name ?? null, passwordHash: input.passwordHash });
      await tx.insert(billingAccounts).values({ id: accountId, ownerUserId: userId, personal: true, name: input.name?.trim() || email });
      await tx.insert(organizationMembers).values({ accountId, userId, role: "owner" });
      await tx.insert(projects).values({ id: newId("proj"), accountId, name: DEFAULT_PROJECT_NAME });
    });
  } catch (err) {
    if (isUniqueViolation(err, "users_email_unique")) throw new EmailTakenError();
    throw err;
  }
  return { userId, accountId };
}

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  // postgres.js and PGlite both expose SQLSTATE as `code`; drizzle may wrap it in `cause`.
  type MaybeDbError = { code?: string; constraint_name?: string; constraint?: string; message?: unknown; cause?: unknown } | null | undefined;
  for (let e = err as MaybeDbError; e; e = e.cause as MaybeDbError) {
    if (e.code === "23505" && (!constraint || e.constraint_name === constraint || e.constraint === constraint || String(e.message).includes(constraint))) {
      return true;
    }
  }
  return false;
}

export async function findUserByEmail(db: Queryable, email: string) {
  const [row] = await db
    .select({ user: users, accountId: billingAccounts.id, tier: billingAccounts.tier })
    .from(users)
    .innerJoin(billingAccounts, and(eq(billingAccounts.ownerUserId, users.id), eq(billingAccounts.personal, true)))
    .where(and(eq(users.email, normalizeEmail(email)), isNull(users.deletedAt)));
  return row ?? null;
}

/** Changes the account's tier; every instance applies it from the next request on. */
export async function setTier(db: Queryable, accountId: string, tier: Tier) {
  const updated = await db.update(billingAccounts).set({ tier }).where(eq(billingAccounts.id, accountId)).returning();
  if (updated.length) await notifyKeyChange(db, { accountId });
  return updated[0] ?? null;
}

/**
 * Whether the account's owner has not verified their email address yet: such an account has
 * never been given its free credit, so a 402 tells them to verify rather than to add a card.
 */
export async function ownerEmailUnverified(db: Queryable, accountId: string): Promise<boolean> {
  // Raw SQL through rows(): the docs' 402 example runs openMeter() on a stand-in database
  // that answers raw queries with no rows (lib/docs/examples.ts), i.e. a verified owner.
  const [row] = await rows<{ unverified: boolean }>(
    db,
    sql`select u.email_verified_at is null as unverified from billing_accounts a join users u on u.id = a.owner_user_id where a.id = ${accountId}`,
  );
  return row?.unverified === true;
}
