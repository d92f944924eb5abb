import { and, asc, desc, eq, isNull } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { billingAccounts, organizationMembers, projects, users, type OrgRole } from "@/db/schema";
import { DEFAULT_PROJECT_NAME } from "@/lib/accounts";
import { newId } from "@/lib/ids";

// Organizations (issue 24): an organization is a billing account shared by its members.
// Every user has a personal one (lib/accounts, createUserWithAccount); this module makes the
// others, lists who belongs where, and renames. Members and invitations: ./members.ts,
// ./invites.ts. Who may do what: ./roles.ts.

export const ORG_NAME_MAX = 64;

/** A refusal with a message written for the person who asked (actions show it as is). */
export class OrgError extends Error {}

export type Membership = { accountId: string; name: string; personal: boolean; role: OrgRole };

/** The organizations `userId` belongs to, their personal one first, then by name. */
export function listMemberships(db: Queryable, userId: string): Promise<Membership[]> {
  return db
    .select({ accountId: billingAccounts.id, name: billingAccounts.name, personal: billingAccounts.personal, role: organizationMembers.role })
    .from(organizationMembers)
    .innerJoin(billingAccounts, eq(billingAccounts.id, organizationMembers.accountId))
    .where(eq(organizationMembers.userId, userId))
    .orderBy(desc(billingAccounts.personal), asc(billingAccounts.name), asc(billingAccounts.id));
}

/** The user's role in the organization, or null when they are not a member. */
export async function membershipRole(db: Queryable, input: { accountId: string; userId: string }): Promise<OrgRole | null> {
  const [row] = await db
    .select({ role: organizationMembers.role })
    .from(organizationMembers)
    .where(and(eq(organizationMembers.accountId, input.accountId), eq(organizationMembers.userId, input.userId)));
  return row?.role ?? null;
}

export function parseOrgName(raw: unknown): string {
  const name = typeof raw === "string" ? raw.trim().replace(/\s+/g, " ") : "";
  if (!name || name.length > ORG_NAME_MAX) throw new OrgError(`An organization's name is 1 to ${ORG_NAME_MAX} characters.`);
  return name;
}

/**
 * A new (non-personal) organization with `userId` as its owner and a Default project, in one
 * transaction. It starts at $0.00: the free credit is once per verified person and went to
 * their personal organization. Only a verified user may create one.
 */
export async function createOrganization(db: Queryable, input: { userId: string; name: string }): Promise<{ accountId: string; projectId: string }> {
  const name = parseOrgName(input.name);
  const accountId = newId("acct");
  const projectId = newId("proj");
  await db.transaction(async (tx) => {
    const [user] = await tx
      .select({ verifiedAt: users.emailVerifiedAt })
      .from(users)
      .where(and(eq(users.id, input.userId), isNull(users.deletedAt)));
    if (!user?.verifiedAt) throw new OrgError("Verify your email address before creating an organization.");
    await tx.insert(billingAccounts).values({ id: accountId, ownerUserId: input.userId, personal: false, name });
    await tx.insert(organizationMembers).values({ accountId, userId: input.userId, role: "owner" });
    await tx.insert(projects).values({ id: projectId, accountId, name: DEFAULT_PROJECT_NAME });
  });
  return { accountId, projectId };
}

/** Renames the organization (the caller has checked org.manage). */
export async function renameOrganization(db: Queryable, input: { accountId: string; name: string }): Promise<string> {
  const name = parseOrgName(input.name);
  await db.update(billingAccounts).set({ name }).where(eq(billingAccounts.id, input.accountId));
  return name;
}
