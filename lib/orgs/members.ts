import { and, asc, count, eq, isNull } from "drizzle-orm";
import type { Queryable, Tx } from "@/db/client";
import { apiKeys, billingAccounts, organizationMembers, users, type OrgRole } from "@/db/schema";
import { notifyKeyChange } from "@/lib/api-keys/changes";
import { revokeManagementKeysOf } from "@/lib/management/keys";
import { OrgError } from "./index";
import { can, isOrgRole } from "./roles";

// Members of an organization: list, change a role, remove, leave. The rules, all checked
// inside one transaction that holds the organization's row lock (so two owners demoting each
// other at once cannot leave none):
//   - members.manage is needed to change anyone but oneself (leaving needs nothing);
//   - only an owner grants or takes away `owner`, and only an owner removes an owner;
//   - an organization always keeps at least one owner;
//   - a personal organization never loses the person it belongs to.
// Removing a member (or leaving) revokes every key they created in the organization, and
// their management keys there, in the same transaction; the caches of every instance hear it
// after the commit. A role that may no longer manage management keys (demoted to billing or
// member) loses the management keys it created, in the same transaction as the change.

export type Member = { userId: string; email: string; name: string | null; role: OrgRole; since: Date };

export function listMembers(db: Queryable, accountId: string): Promise<Member[]> {
  return db
    .select({ userId: users.id, email: users.email, name: users.name, role: organizationMembers.role, since: organizationMembers.createdAt })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(eq(organizationMembers.accountId, accountId))
    .orderBy(asc(organizationMembers.createdAt), asc(users.email));
}

type Locked = { ownerUserId: string; personal: boolean; actorRole: OrgRole | null; targetRole: OrgRole | null };

/** Locks the organization's row, then reads the actor's and the target's roles under it. */
async function lockAndRead(tx: Tx, input: { accountId: string; actorUserId: string; targetUserId: string }): Promise<Locked> {
  const [org] = await tx
    .select({ ownerUserId: billingAccounts.ownerUserId, personal: billingAccounts.personal })
    .from(billingAccounts)
    .where(eq(billingAccounts.id, input.accountId))
    .for("update", { of: billingAccounts });
  if (!org) throw new OrgError("That organization does not exist.");
  const roleOf = async (userId: string) => {
    const [m] = await tx
      .select({ role: organizationMembers.role })
      .from(organizationMembers)
      .where(and(eq(organizationMembers.accountId, input.accountId), eq(organizationMembers.userId, userId)));
    return m?.role ?? null;
  };
  return { ...org, actorRole: await roleOf(input.actorUserId), targetRole: await roleOf(input.targetUserId) };
}

async function ownerCount(tx: Tx, accountId: string): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(organizationMembers)
    .where(and(eq(organizationMembers.accountId, accountId), eq(organizationMembers.role, "owner")));
  return row?.n ?? 0;
}

function isPersonalOwner(org: Locked, userId: string): boolean {
  return org.personal && org.ownerUserId === userId;
}

const LAST_OWNER = "An organization always keeps at least one owner: make another member an owner first.";

/** Changes a member's role. Returns the new role. */
export async function changeMemberRole(db: Queryable, input: { accountId: string; actorUserId: string; targetUserId: string; role: string }): Promise<OrgRole> {
  const role = input.role;
  if (!isOrgRole(role)) throw new OrgError("Choose a role: owner, admin, billing or member.");
  await db.transaction(async (tx) => {
    const org = await lockAndRead(tx, input);
    if (!can(org.actorRole, "members.manage")) throw new OrgError("Your role does not allow managing members.");
    if (!org.targetRole) throw new OrgError("That person is not a member of this organization.");
    if (org.targetRole === role) return;
    if ((org.targetRole === "owner" || role === "owner") && org.actorRole !== "owner") {
      throw new OrgError("Only an owner can make someone an owner or change an owner's role.");
    }
    if (isPersonalOwner(org, input.targetUserId)) throw new OrgError("This is their personal organization: they stay its owner.");
    if (org.targetRole === "owner" && (await ownerCount(tx, input.accountId)) <= 1) throw new OrgError(LAST_OWNER);
    await tx
      .update(organizationMembers)
      .set({ role })
      .where(and(eq(organizationMembers.accountId, input.accountId), eq(organizationMembers.userId, input.targetUserId)));
    // A management key acts for the organization with its creator's standing: it goes with it.
    if (!can(role, "management_keys.manage")) await revokeManagementKeysOf(tx, { accountId: input.accountId, userId: input.targetUserId });
  });
  return role;
}

/**
 * Removes `targetUserId` from the organization (the actor may be themselves: leaving) and
 * revokes the keys they created there. Returns the revoked key ids.
 */
export async function removeMember(db: Queryable, input: { accountId: string; actorUserId: string; targetUserId: string }): Promise<string[]> {
  const leaving = input.actorUserId === input.targetUserId;
  const revoked = await db.transaction(async (tx) => {
    const org = await lockAndRead(tx, input);
    if (!org.targetRole) throw new OrgError(leaving ? "You are not a member of this organization." : "That person is not a member of this organization.");
    if (!leaving) {
      if (!can(org.actorRole, "members.manage")) throw new OrgError("Your role does not allow managing members.");
      if (org.targetRole === "owner" && org.actorRole !== "owner") throw new OrgError("Only an owner can remove an owner.");
    }
    if (isPersonalOwner(org, input.targetUserId)) {
      throw new OrgError(leaving ? "You cannot leave your personal organization." : "This is their personal organization: they cannot be removed from it.");
    }
    if (org.targetRole === "owner" && (await ownerCount(tx, input.accountId)) <= 1) throw new OrgError(LAST_OWNER);
    return dropMembership(tx, { accountId: input.accountId, userId: input.targetUserId });
  });
  // After the commit: a cache refilled between the update and the commit would otherwise
  // keep the key (lib/api-keys/changes.ts; its TTL stays the bound if a notice is missed).
  for (const keyId of revoked) await notifyKeyChange(db, { keyId });
  return revoked;
}

/**
 * Takes `userId` out of the organization, inside the caller's transaction (which holds the
 * organization's row lock): the membership, the model keys they created there and their
 * management keys there. Returns the revoked model keys' ids; the caller notifies them after
 * the commit (notifyKeyChange).
 */
async function dropMembership(tx: Tx, input: { accountId: string; userId: string }): Promise<string[]> {
  await tx.delete(organizationMembers).where(and(eq(organizationMembers.accountId, input.accountId), eq(organizationMembers.userId, input.userId)));
  const keys = await tx
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.accountId, input.accountId), eq(apiKeys.createdByUserId, input.userId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  await revokeManagementKeysOf(tx, input);
  return keys.map((k) => k.id);
}

/**
 * Deleting a user (lib/auth/account-settings.ts): takes them out of every shared
 * (non-personal) organization, inside the caller's transaction, as removeMember would. Each
 * organization's row is locked and its owners counted again, so an organization cannot lose
 * its last owner this way even if another owner left since the settings page checked.
 * Returns the revoked model keys' ids, for the caller to notify after the commit.
 */
export async function leaveSharedOrganizations(tx: Tx, userId: string): Promise<string[]> {
  const memberships = await tx
    .select({ accountId: organizationMembers.accountId })
    .from(organizationMembers)
    .innerJoin(billingAccounts, eq(billingAccounts.id, organizationMembers.accountId))
    .where(and(eq(organizationMembers.userId, userId), eq(billingAccounts.personal, false)))
    .orderBy(asc(organizationMembers.accountId)); // one lock order for every caller
  const revoked: string[] = [];
  for (const { accountId } of memberships) {
    const org = await lockAndRead(tx, { accountId, actorUserId: userId, targetUserId: userId });
    if (!org.targetRole) continue; // removed meanwhile
    if (org.targetRole === "owner" && (await ownerCount(tx, accountId)) <= 1) throw new OrgError(LAST_OWNER);
    revoked.push(...(await dropMembership(tx, { accountId, userId })));
  }
  return revoked;
}
