import { createHash } from "node:crypto";
import { and, asc, eq, gt, isNull } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { billingAccounts, organizationInvites, organizationMembers, users, type OrgRole } from "@/db/schema";
import { normalizeEmail } from "@/lib/accounts";
import { trySendEmail } from "@/lib/email";
import { absoluteUrl } from "@/lib/email/links";
import { emails } from "@/lib/email/templates";
import { newId, randomBase62 } from "@/lib/ids";
import { OrgError } from "./index";
import { can, isOrgRole, ROLE_LABELS } from "./roles";

// Invitations by email (issue 24). The emailed link carries a random single-use token; only
// its SHA-256 is stored. It works for 7 days, once, and only for a signed-in user whose
// verified address is the invited one. Accepting is one conditional UPDATE (so two tabs
// cannot both use it) and the membership insert, in one transaction.

export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const TOKEN_LENGTH = 32;

/** One answer for every token that cannot be used: unknown, expired, used or revoked look alike. */
export const INVALID_INVITE_MESSAGE =
  "This invitation link is not valid: it may have expired (links last 7 days), been used already, or been withdrawn. Ask the organization for a new one.";

export function hashInviteToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function invitePath(token: string): string {
  return `/invite/${token}`;
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export type PendingInvite = { id: string; email: string; role: OrgRole; createdAt: Date; expiresAt: Date };

export function listPendingInvites(db: Queryable, accountId: string, now = new Date()): Promise<PendingInvite[]> {
  return db
    .select({
      id: organizationInvites.id,
      email: organizationInvites.email,
      role: organizationInvites.role,
      createdAt: organizationInvites.createdAt,
      expiresAt: organizationInvites.expiresAt,
    })
    .from(organizationInvites)
    .where(
      and(
        eq(organizationInvites.accountId, accountId),
        isNull(organizationInvites.acceptedAt),
        isNull(organizationInvites.revokedAt),
        gt(organizationInvites.expiresAt, now),
      ),
    )
    .orderBy(asc(organizationInvites.createdAt));
}

/** Mails the link; false when the mail server refused (the invitation stands: "Resend" sends it again). */
async function mailInvite(db: Queryable, input: { accountId: string; email: string; role: OrgRole; token: string; origin: string }): Promise<boolean> {
  const [org] = await db.select({ name: billingAccounts.name }).from(billingAccounts).where(eq(billingAccounts.id, input.accountId));
  // The mail names the organization and the role, nothing else of it (no balance, no members).
  return trySendEmail(
    emails.organizationInvite(input.email, org?.name ?? "an organization", ROLE_LABELS[input.role], absoluteUrl(input.origin, invitePath(input.token))),
  );
}

/**
 * Invites `email` with `role`, sends the link, returns the invitation's id. Inviting an address
 * that has a pending invitation replaces it (the older link stops working).
 */
export async function createInvite(
  db: Queryable,
  input: { accountId: string; invitedByUserId: string; email: string; role: string; origin: string; now?: Date },
): Promise<{ id: string; token: string; sent: boolean }> {
  const email = normalizeEmail(input.email);
  if (!EMAIL_RE.test(email)) throw new OrgError("Enter the email address to invite.");
  const role = input.role;
  if (!isOrgRole(role)) throw new OrgError("Choose a role: owner, admin, billing or member.");
  const now = input.now ?? new Date();
  const token = randomBase62(TOKEN_LENGTH);
  const id = newId("inv");
  await db.transaction(async (tx) => {
    const [inviter] = await tx
      .select({ role: organizationMembers.role })
      .from(organizationMembers)
      .where(and(eq(organizationMembers.accountId, input.accountId), eq(organizationMembers.userId, input.invitedByUserId)));
    if (!can(inviter?.role, "members.manage")) throw new OrgError("Your role does not allow inviting members.");
    if (role === "owner" && inviter?.role !== "owner") throw new OrgError("Only an owner can invite another owner.");
    const [member] = await tx
      .select({ userId: users.id })
      .from(organizationMembers)
      .innerJoin(users, eq(users.id, organizationMembers.userId))
      .where(and(eq(organizationMembers.accountId, input.accountId), eq(users.email, email)));
    if (member) throw new OrgError(`${email} is already a member of this organization.`);
    await tx
      .update(organizationInvites)
      .set({ revokedAt: now })
      .where(
        and(
          eq(organizationInvites.accountId, input.accountId),
          eq(organizationInvites.email, email),
          isNull(organizationInvites.acceptedAt),
          isNull(organizationInvites.revokedAt),
        ),
      );
    await tx.insert(organizationInvites).values({
      id,
      accountId: input.accountId,
      email,
      role,
      tokenHash: hashInviteToken(token),
      invitedByUserId: input.invitedByUserId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + INVITE_TTL_MS),
    });
  });
  const sent = await mailInvite(db, { accountId: input.accountId, email, role, token, origin: input.origin });
  return { id, token, sent };
}

/** Sends a pending invitation again with a new link (the old one stops working) and 7 fresh days. */
export async function resendInvite(
  db: Queryable,
  input: { accountId: string; inviteId: string; origin: string; now?: Date },
): Promise<{ token: string; sent: boolean }> {
  const now = input.now ?? new Date();
  const token = randomBase62(TOKEN_LENGTH);
  const [invite] = await db
    .update(organizationInvites)
    .set({ tokenHash: hashInviteToken(token), expiresAt: new Date(now.getTime() + INVITE_TTL_MS) })
    .where(
      and(
        eq(organizationInvites.id, input.inviteId),
        eq(organizationInvites.accountId, input.accountId),
        isNull(organizationInvites.acceptedAt),
        isNull(organizationInvites.revokedAt),
      ),
    )
    .returning({ email: organizationInvites.email, role: organizationInvites.role });
  if (!invite) throw new OrgError("That invitation is no longer pending.");
  const sent = await mailInvite(db, { accountId: input.accountId, email: invite.email, role: invite.role, token, origin: input.origin });
  return { token, sent };
}

/** Withdraws a pending invitation of `accountId`; its link stops working. Returns whether it did. */
export async function revokeInvite(db: Queryable, input: { accountId: string; inviteId: string; now?: Date }): Promise<boolean> {
  const updated = await db
    .update(organizationInvites)
    .set({ revokedAt: input.now ?? new Date() })
    .where(
      and(
        eq(organizationInvites.id, input.inviteId),
        eq(organizationInvites.accountId, input.accountId),
        isNull(organizationInvites.acceptedAt),
        isNull(organizationInvites.revokedAt),
      ),
    )
    .returning({ id: organizationInvites.id });
  return updated.length > 0;
}

export type InvitePreview = { accountId: string; organization: string; email: string; role: OrgRole; expiresAt: Date };

/** What the invitation page shows for a usable token; null for any token that cannot be used. */
export async function previewInvite(db: Queryable, token: string, now = new Date()): Promise<InvitePreview | null> {
  if (!token || token.length > 200) return null;
  const [row] = await db
    .select({
      accountId: organizationInvites.accountId,
      organization: billingAccounts.name,
      email: organizationInvites.email,
      role: organizationInvites.role,
      expiresAt: organizationInvites.expiresAt,
    })
    .from(organizationInvites)
    .innerJoin(billingAccounts, eq(billingAccounts.id, organizationInvites.accountId))
    .where(
      and(
        eq(organizationInvites.tokenHash, hashInviteToken(token)),
        isNull(organizationInvites.acceptedAt),
        isNull(organizationInvites.revokedAt),
        gt(organizationInvites.expiresAt, now),
      ),
    );
  return row ?? null;
}

export type AcceptResult =
  | { ok: true; accountId: string; role: OrgRole }
  | { ok: false; reason: "invalid"; message: string }
  | { ok: false; reason: "wrong_address"; message: string; invitedEmail: string };

/** Accepts the invitation for `userId`: their verified address must be the invited one. */
export async function acceptInvite(db: Queryable, input: { token: string; userId: string; now?: Date }): Promise<AcceptResult> {
  const now = input.now ?? new Date();
  const tokenHash = hashInviteToken(input.token);
  return db.transaction(async (tx): Promise<AcceptResult> => {
    const [user] = await tx
      .select({ email: users.email, verifiedAt: users.emailVerifiedAt })
      .from(users)
      .where(and(eq(users.id, input.userId), isNull(users.deletedAt)));
    // Single use: of two concurrent accepts, one UPDATE matches the row, the other waits for
    // it and then no longer matches (accepted_at is set).
    const [taken] = user?.verifiedAt
      ? await tx
          .update(organizationInvites)
          .set({ acceptedAt: now, acceptedByUserId: input.userId })
          .where(
            and(
              eq(organizationInvites.tokenHash, tokenHash),
              eq(organizationInvites.email, user.email),
              isNull(organizationInvites.acceptedAt),
              isNull(organizationInvites.revokedAt),
              gt(organizationInvites.expiresAt, now),
            ),
          )
          .returning({ accountId: organizationInvites.accountId, role: organizationInvites.role })
      : [];
    if (!taken) {
      const preview = await previewInvite(tx, input.token, now);
      if (preview && preview.email !== user?.email) {
        return {
          ok: false,
          reason: "wrong_address",
          invitedEmail: preview.email,
          message: `This invitation is for ${preview.email}, and you are signed in as ${user?.email ?? "someone else"}. Sign out and sign in (or sign up) with ${preview.email} to accept it.`,
        };
      }
      if (preview && !user?.verifiedAt) {
        return {
          ok: false,
          reason: "invalid",
          message: "Verify your email address first (the link in the email we sent you), then open this invitation again.",
        };
      }
      return { ok: false, reason: "invalid", message: INVALID_INVITE_MESSAGE };
    }
    // Already a member (e.g. invited twice and accepted both): keep the role they have.
    await tx.insert(organizationMembers).values({ accountId: taken.accountId, userId: input.userId, role: taken.role }).onConflictDoNothing();
    return { ok: true, accountId: taken.accountId, role: taken.role };
  });
}
