import { and, eq, isNull } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { apiKeys, billingAccounts, users } from "@/db/schema";
import { EmailTakenError, isUniqueViolation, normalizeEmail } from "@/lib/accounts";
import { verifyEmailAndGrant } from "@/lib/accounts/free-credit";
import { emailIdentity } from "@/lib/accounts/email-identity";
import { notifyKeyChange } from "@/lib/api-keys/changes";
import { revokeManagementKeysOf } from "@/lib/management/keys";
import { OrgError } from "@/lib/orgs";
import { leaveSharedOrganizations } from "@/lib/orgs/members";
import { trySendEmail } from "@/lib/email";
import { absoluteUrl } from "@/lib/email/links";
import { emails } from "@/lib/email/templates";
import { consumeEmailToken, issueEmailToken, TOKEN_TTL_MS } from "./email-tokens";
import { hashPassword, passwordProblem, verifyPassword } from "./password";
import { endSessionsAndPendingChanges } from "./sessions";
import { signupSchema } from "./signup";

// The account settings (issue 14 item 4): change password, change email, sign out
// everywhere, delete the account. Every change that could lock the owner out asks for the
// current password first (re-authentication), whatever the session says.

export type SettingsResult = { ok: true; message: string } | { ok: false; field?: string; message: string };

async function checkPassword(db: Queryable, userId: string, password: unknown) {
  const [u] = await db
    .select()
    .from(users)
    .where(and(eq(users.id, userId), isNull(users.deletedAt)));
  if (!u) return null;
  const ok = typeof password === "string" && password.length <= 200 && (await verifyPassword(password, u.passwordHash));
  return ok ? u : null;
}

const WRONG_PASSWORD: SettingsResult = { ok: false, field: "currentPassword", message: "Your current password is not right." };

/** New password; every session (this one too) and every pending change by link ends, and the owner is told by email. */
export async function changePassword(
  db: Queryable,
  input: { userId: string; currentPassword: unknown; newPassword: unknown; origin: string; now?: Date },
): Promise<SettingsResult> {
  const u = await checkPassword(db, input.userId, input.currentPassword);
  if (!u) return WRONG_PASSWORD;
  if (typeof input.newPassword !== "string") return { ok: false, field: "newPassword", message: "Choose a new password." };
  const problem = passwordProblem(input.newPassword, u.email);
  if (problem) return { ok: false, field: "newPassword", message: problem };
  const passwordHash = await hashPassword(input.newPassword);
  await db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash }).where(eq(users.id, u.id));
    await endSessionsAndPendingChanges(tx, u.id, input.now);
  });
  await trySendEmail(emails.passwordChanged(u.email, absoluteUrl(input.origin, "/forgot-password")));
  return { ok: true, message: "Password changed. Every other session was signed out." };
}

/**
 * Starts a change of address: the new address gets a confirmation link and the change
 * takes effect only when it is followed; the current address is told. An address that
 * already has an account is not revealed: it gets a note instead of a link.
 */
export async function requestEmailChange(
  db: Queryable,
  input: { userId: string; currentPassword: unknown; newEmail: unknown; origin: string; now?: Date },
): Promise<SettingsResult> {
  const u = await checkPassword(db, input.userId, input.currentPassword);
  if (!u) return WRONG_PASSWORD;
  const parsed = signupSchema.shape.email.safeParse(input.newEmail);
  if (!parsed.success) return { ok: false, field: "newEmail", message: parsed.error.issues[0].message };
  const newEmail = normalizeEmail(parsed.data);
  if (newEmail === u.email) return { ok: false, field: "newEmail", message: "That is already your address." };
  const [taken] = await db.select({ id: users.id }).from(users).where(eq(users.email, newEmail));
  if (taken) {
    await trySendEmail(emails.signupExisting(newEmail, absoluteUrl(input.origin, "/login"), absoluteUrl(input.origin, "/forgot-password")));
  } else {
    const token = await issueEmailToken(db, { userId: u.id, purpose: "change_email", newEmail, now: input.now });
    const url = absoluteUrl(input.origin, `/confirm-email?token=${encodeURIComponent(token)}`);
    await trySendEmail(emails.confirmNewEmail(newEmail, url, TOKEN_TTL_MS.change_email / 3600_000));
  }
  await trySendEmail(emails.emailChangeRequested(u.email, newEmail, absoluteUrl(input.origin, "/dashboard/settings")));
  return { ok: true, message: `We sent a confirmation link to ${newEmail}. Your address changes when you follow it.` };
}

/** Follows a change-of-address link: the new address becomes the sign-in address, verified. */
export async function confirmEmailChange(db: Queryable, input: { token: string; origin: string; now?: Date }): Promise<SettingsResult> {
  const now = input.now ?? new Date();
  try {
    const done = await db.transaction(async (tx) => {
      const consumed = await consumeEmailToken(tx, input.token, "change_email", now);
      if (!consumed.ok || !consumed.newEmail) return null;
      const [u] = await tx
        .select()
        .from(users)
        .where(and(eq(users.id, consumed.userId), isNull(users.deletedAt)));
      if (!u) return null;
      const newEmail = consumed.newEmail;
      try {
        await tx.transaction(async (sp) => {
          await sp
            .update(users)
            .set({ email: newEmail, emailIdentity: emailIdentity(newEmail), emailVerifiedAt: now })
            .where(eq(users.id, u.id));
        });
      } catch (err) {
        if (isUniqueViolation(err, "users_email_unique")) throw new EmailTakenError();
        throw err;
      }
      // An account still waiting for its free credit is now verified (the new address decides).
      if (!u.freeCredit) {
        const [acct] = await tx
          .select({ id: billingAccounts.id })
          .from(billingAccounts)
          .where(and(eq(billingAccounts.ownerUserId, u.id), eq(billingAccounts.personal, true)));
        await verifyEmailAndGrant(tx, { userId: u.id, accountId: acct.id }, { now });
      }
      return { oldEmail: u.email, newEmail };
    });
    if (!done)
      return { ok: false, message: "This confirmation link is not valid, was already used, or has expired. Ask for a new one in your account settings." };
    await trySendEmail(emails.emailChanged(done.oldEmail, done.newEmail, absoluteUrl(input.origin, "/forgot-password")));
    return { ok: true, message: `Your email address is now ${done.newEmail}. Use it to sign in.` };
  } catch (err) {
    if (err instanceof EmailTakenError)
      return { ok: false, message: "That address now belongs to another account, so it cannot be yours. Choose another in your account settings." };
    throw err;
  }
}

/** Ends every session and cancels every pending change by link (a new address waiting for confirmation included). */
export async function signOutEverywhere(db: Queryable, userId: string, now?: Date): Promise<void> {
  await db.transaction((tx) => endSessionsAndPendingChanges(tx, userId, now));
}

/**
 * Deletes an account. The ledger is never touched (it is append-only): the billing account
 * stays with its balance frozen as it was, marked by its owner's deleted_at, and nothing can
 * spend it because every key is revoked in the same transaction and nobody can sign in.
 * The user row stays (ledger, usage and keys refer to it) without its password, and its
 * address is freed for a new sign-up; the free-credit record of the mailbox stays, so a
 * new account at the same address gets no second grant. Usage records are kept, as
 * billing records, under the account id (no email, no prompts are stored in them).
 * The user also leaves every shared organization as a removed member would (lib/orgs/members.ts):
 * the keys and management keys they created there are revoked; the organizations' money and
 * other members' keys are untouched. The last owner of a shared organization is refused.
 */
export async function deleteAccount(db: Queryable, input: { userId: string; password: unknown; now?: Date }): Promise<SettingsResult & { email?: string }> {
  const u = await checkPassword(db, input.userId, input.password);
  if (!u) return { ok: false, field: "password", message: "Your password is not right; the account was not deleted." };
  const now = input.now ?? new Date();
  const [acct] = await db
    .select({ id: billingAccounts.id })
    .from(billingAccounts)
    .where(and(eq(billingAccounts.ownerUserId, u.id), eq(billingAccounts.personal, true)));
  let revokedElsewhere: string[];
  try {
    revokedElsewhere = await db.transaction(async (tx) => {
      // The shared organizations first: it refuses (rolling everything back) if the user
      // became the last owner of one since the settings page checked.
      const revoked = await leaveSharedOrganizations(tx, u.id);
      await tx
        .update(apiKeys)
        .set({ revokedAt: now })
        .where(and(eq(apiKeys.accountId, acct.id), isNull(apiKeys.revokedAt)));
      await revokeManagementKeysOf(tx, { accountId: acct.id, userId: u.id });
      await tx
        .update(users)
        .set({ deletedAt: now, email: `deleted+${u.id}@deleted.invalid`, passwordHash: "deleted", name: null, sessionsValidAfter: now })
        .where(eq(users.id, u.id));
      return revoked;
    });
  } catch (err) {
    if (err instanceof OrgError) return { ok: false, message: `${err.message} Nothing was deleted.` };
    throw err;
  }
  // After the commit, so that no instance refills its cache with a key still active in a
  // transaction not yet committed: every key of the personal organization, and the keys the
  // user created in the shared ones.
  await notifyKeyChange(db, { accountId: acct.id });
  for (const keyId of revokedElsewhere) await notifyKeyChange(db, { keyId });
  await trySendEmail(emails.accountDeleted(u.email));
  return { ok: true, message: "Your account was deleted.", email: u.email };
}
