import { and, desc, eq, type SQL } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { apiKeys, projects, users } from "@/db/schema";

// The keys page's view of an organization's keys (issue 24): each key with its project and
// who created it, and, for a role without keys.manage, only the keys that user created.
// Scoped by the session's organization first, like every dashboard query.

export type DashboardKey = Awaited<ReturnType<typeof listKeysForDashboard>>[number];

/** The organization's keys, newest first; with `createdBy`, only the keys that user created. */
export function listKeysForDashboard(db: Queryable, input: { accountId: string; createdBy?: string | null }) {
  const conds: SQL[] = [eq(apiKeys.accountId, input.accountId)];
  if (input.createdBy) conds.push(eq(apiKeys.createdByUserId, input.createdBy));
  return db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      start: apiKeys.start,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
      disabledAt: apiKeys.disabledAt,
      spendLimitMicroUsd: apiKeys.spendLimitMicroUsd,
      spendLimitPeriod: apiKeys.spendLimitPeriod,
      projectId: apiKeys.projectId,
      projectName: projects.name,
      createdByUserId: apiKeys.createdByUserId,
      createdByEmail: users.email,
    })
    .from(apiKeys)
    .leftJoin(projects, and(eq(projects.id, apiKeys.projectId), eq(projects.accountId, apiKeys.accountId)))
    .leftJoin(users, eq(users.id, apiKeys.createdByUserId))
    .where(and(...conds))
    .orderBy(desc(apiKeys.createdAt));
}

/** Who created a key of the organization (null: no such key in it). */
export async function keyCreator(db: Queryable, input: { accountId: string; keyId: string }): Promise<string | null> {
  const [row] = await db
    .select({ createdBy: apiKeys.createdByUserId })
    .from(apiKeys)
    .where(and(eq(apiKeys.id, input.keyId), eq(apiKeys.accountId, input.accountId)));
  return row?.createdBy ?? null;
}
