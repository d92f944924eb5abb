import { and, asc, count, eq, isNull, sql } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { apiKeys, projects } from "@/db/schema";
import { DEFAULT_PROJECT_NAME, isUniqueViolation } from "@/lib/accounts";
import { notifyKeyChange } from "@/lib/api-keys/changes";
import { getCatalog, type Catalog } from "@/lib/catalog";
import { newId } from "@/lib/ids";
import { monthStart, projectSpentSince, type ProjectSpend } from "@/lib/ledger/project-budget";

// Projects of an organization (issue 24): every key belongs to one; a project may have a
// monthly budget and a model allowlist, enforced on /v1 (lib/metering/open-meter.ts). This
// module owns the `projects` table. Every change is scoped by the organization (accountId)
// and announced with notifyKeyChange({ accountId }): every instance drops its cached key
// principals of the organization, which carry the project's allowlist and whether it has a
// budget (the budget itself is re-read under the project's row lock on each request).
//
// Archiving a project revokes its keys (in the same transaction): a revoked key is final,
// stops counting toward the organization's key cap, and shows as revoked on the keys page.
// The Default project cannot be archived: keys are created there when no project is named.

export const PROJECT_NAME_MAX = 64;
/** The largest budget accepted: $1,000,000,000 (keeps every sum far inside bigint). */
export const MAX_BUDGET_MICRO_USD = 1_000_000_000n * 1_000_000n;

export type ProjectSummary = {
  id: string;
  name: string;
  monthlyBudgetMicroUsd: bigint | null;
  allowedModels: string[] | null;
  createdAt: Date;
};

/** A refused project change, with a message for the person who asked (never a 500). */
export class ProjectError extends Error {
  override name = "ProjectError";
}

/** The organization's active projects, Default first then by name. */
export async function listProjects(db: Queryable, accountId: string): Promise<ProjectSummary[]> {
  const list = await db
    .select({
      id: projects.id,
      name: projects.name,
      monthlyBudgetMicroUsd: projects.monthlyBudgetMicroUsd,
      allowedModels: projects.allowedModels,
      createdAt: projects.createdAt,
    })
    .from(projects)
    .where(and(eq(projects.accountId, accountId), isNull(projects.archivedAt)))
    .orderBy(asc(projects.name));
  return list.sort((a, b) => Number(b.name === DEFAULT_PROJECT_NAME) - Number(a.name === DEFAULT_PROJECT_NAME));
}

export type ProjectOverview = ProjectSummary & { activeKeys: number; spend: ProjectSpend };

/** The projects with their active key count and this UTC month's spend (settled + held), for the dashboard. */
export async function projectsOverview(db: Queryable, accountId: string, now = new Date()): Promise<ProjectOverview[]> {
  const list = await listProjects(db, accountId);
  const keyCounts = await db
    .select({ projectId: apiKeys.projectId, n: count() })
    .from(apiKeys)
    .where(and(eq(apiKeys.accountId, accountId), isNull(apiKeys.revokedAt)))
    .groupBy(apiKeys.projectId);
  const byProject = new Map(keyCounts.map((k) => [k.projectId, k.n]));
  return Promise.all(
    list.map(async (p) => ({ ...p, activeKeys: byProject.get(p.id) ?? 0, spend: await projectSpentSince(db, { projectId: p.id, since: monthStart(now) }) })),
  );
}

/** Settled usage of the project's keys in `month`'s UTC month plus their active reservations (current month only). */
export async function projectSpend(db: Queryable, projectId: string, month: Date = new Date()): Promise<ProjectSpend> {
  return projectSpentSince(db, { projectId, since: monthStart(month) });
}

function cleanName(name: string): string {
  const n = name.trim();
  if (!n || n.length > PROJECT_NAME_MAX) throw new ProjectError(`A project name must be 1 to ${PROJECT_NAME_MAX} characters.`);
  return n;
}

function duplicateName(name: string): ProjectError {
  return new ProjectError(`This organization already has a project named "${name}" (archived projects keep their names). Pick another name.`);
}

export async function createProject(db: Queryable, input: { accountId: string; name: string }): Promise<ProjectSummary> {
  const name = cleanName(input.name);
  try {
    const [row] = await db
      .insert(projects)
      .values({ id: newId("proj"), accountId: input.accountId, name })
      .returning({
        id: projects.id,
        name: projects.name,
        monthlyBudgetMicroUsd: projects.monthlyBudgetMicroUsd,
        allowedModels: projects.allowedModels,
        createdAt: projects.createdAt,
      });
    return row;
  } catch (err) {
    if (isUniqueViolation(err, "projects_account_name")) throw duplicateName(name);
    throw err;
  }
}

/** Updates an active project of `accountId` (false: no such project there), then announces it to every instance. */
async function updateProject(db: Queryable, accountId: string, projectId: string, set: Partial<typeof projects.$inferInsert>): Promise<boolean> {
  const updated = await db
    .update(projects)
    .set(set)
    .where(and(eq(projects.id, projectId), eq(projects.accountId, accountId), isNull(projects.archivedAt)))
    .returning({ id: projects.id });
  if (updated.length) await notifyKeyChange(db, { accountId });
  return updated.length > 0;
}

/** Renames a project (the Default project keeps its name: keys are created there by default). */
export async function renameProject(db: Queryable, input: { accountId: string; projectId: string; name: string }): Promise<boolean> {
  const name = cleanName(input.name);
  const [p] = await db
    .select({ name: projects.name })
    .from(projects)
    .where(and(eq(projects.id, input.projectId), eq(projects.accountId, input.accountId)));
  if (p?.name === DEFAULT_PROJECT_NAME && name !== DEFAULT_PROJECT_NAME) throw new ProjectError("The Default project cannot be renamed.");
  if (name === DEFAULT_PROJECT_NAME && p?.name !== DEFAULT_PROJECT_NAME) throw duplicateName(name);
  try {
    return await updateProject(db, input.accountId, input.projectId, { name });
  } catch (err) {
    if (isUniqueViolation(err, "projects_account_name")) throw duplicateName(name);
    throw err;
  }
}

/** Sets (or, with null, clears) the project's monthly budget in micro-USD. Applies to the next request. */
export async function setProjectBudget(db: Queryable, input: { accountId: string; projectId: string; monthlyBudgetMicroUsd: bigint | null }): Promise<boolean> {
  const budget = input.monthlyBudgetMicroUsd;
  if (budget !== null && (budget < 0n || budget > MAX_BUDGET_MICRO_USD)) {
    throw new ProjectError("A monthly budget must be between $0 and $1,000,000,000 (or none).");
  }
  return updateProject(db, input.accountId, input.projectId, { monthlyBudgetMicroUsd: budget });
}

/**
 * Sets (or, with null, clears: every model) the project's model allowlist. Every id must be
 * a model of the catalog; the list is stored deduplicated and sorted.
 */
export async function setProjectAllowedModels(
  db: Queryable,
  input: { accountId: string; projectId: string; models: readonly string[] | null },
  catalog: Catalog = getCatalog(),
): Promise<boolean> {
  let models: string[] | null = null;
  if (input.models !== null) {
    models = [...new Set(input.models.map((m) => m.trim()))].sort();
    const unknown = models.filter((m) => !catalog.get(m));
    if (unknown.length)
      throw new ProjectError(`Unknown model${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}. Pick models of the catalog (GET /v1/models).`);
  }
  return updateProject(db, input.accountId, input.projectId, { allowedModels: models });
}

/**
 * Archives a project and revokes its keys, in one transaction (the Default project cannot
 * be archived). Returns how many keys were revoked, or null when there is no such active
 * project in the organization.
 */
export async function archiveProject(db: Queryable, input: { accountId: string; projectId: string }): Promise<{ revokedKeys: number } | null> {
  const result = await db.transaction(async (tx) => {
    const [p] = await tx
      .select({ name: projects.name })
      .from(projects)
      .where(and(eq(projects.id, input.projectId), eq(projects.accountId, input.accountId), isNull(projects.archivedAt)))
      .for("update");
    if (!p) return null;
    if (p.name === DEFAULT_PROJECT_NAME) throw new ProjectError("The Default project cannot be archived: keys are created there when no project is named.");
    await tx
      .update(projects)
      .set({ archivedAt: sql`now()` })
      .where(eq(projects.id, input.projectId));
    const revoked = await tx
      .update(apiKeys)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(apiKeys.projectId, input.projectId), eq(apiKeys.accountId, input.accountId), isNull(apiKeys.revokedAt)))
      .returning({ id: apiKeys.id });
    // Delivered to other instances when this transaction commits (NOTIFY is transactional).
    await notifyKeyChange(tx, { accountId: input.accountId });
    return { revokedKeys: revoked.length };
  });
  return result;
}
