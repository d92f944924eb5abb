import { and, asc, eq, isNull } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { projects } from "@/db/schema";

// Projects of an organization (issue 24): every key belongs to one; a project may have a
// monthly budget and a model allowlist. This module owns the `projects` table.

export type ProjectSummary = {
  id: string;
  name: string;
  monthlyBudgetMicroUsd: bigint | null;
  allowedModels: string[] | null;
  createdAt: Date;
};

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
  return list.sort((a, b) => Number(b.name === "Default") - Number(a.name === "Default"));
}
