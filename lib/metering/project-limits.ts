import { eq } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { projects } from "@/db/schema";
import type { ApiKeyPrincipal } from "@/lib/api-keys";
import type { CatalogModel } from "@/lib/catalog";
import { ApiError } from "@/lib/errors";
import { monthEnd, monthStart, projectSpentSince, type LimitChecks } from "@/lib/ledger";
import { microToUsdString } from "@/lib/money";

// The project limits of issue 24, the policy half (the locked reservation is
// lib/ledger/project-budget.ts): a model allowlist (403 model_not_allowed) and a monthly
// budget in UTC calendar months (402 project_budget_exceeded). Both are refused before any
// hold or model work, so a refused request moves no money.

const usd = (micro: bigint) => `$${microToUsdString(micro)}`;
const PROJECTS_PAGE = "/dashboard/projects";

export function modelNotAllowedError(projectName: string, modelId: string, allowed: readonly string[]): ApiError {
  const list = allowed.length ? `It allows only: ${allowed.join(", ")}.` : "It allows no model at all.";
  return new ApiError(
    "model_not_allowed",
    `The model '${modelId}' is not allowed for this API key's project "${projectName}". ${list} ` +
      `An owner or admin of the organization can change the project's model allowlist at ${PROJECTS_PAGE}; nothing was charged.`,
    { param: "model" },
  );
}

export function projectBudgetError(input: { name: string; budgetMicroUsd: bigint; spentMicroUsd: bigint; worstMicroUsd: bigint; now?: Date }): ApiError {
  return new ApiError(
    "project_budget_exceeded",
    `This API key's project "${input.name}" has reached its monthly budget of ${usd(input.budgetMicroUsd)}: ` +
      `${usd(input.spentMicroUsd)} spent or held this month (UTC), and this request could cost up to ${usd(input.worstMicroUsd)}. ` +
      `The budget resets at ${monthEnd(input.now).toISOString()}. The organization's credit is not the problem; ` +
      `an owner or admin can raise or clear the project's budget at ${PROJECTS_PAGE}, or use a key of another project. Nothing was charged.`,
  );
}

/** The check reserveWithinLimits runs under the project's row lock: refuse what would pass the budget. */
export function projectBudgetCheck(worstMicroUsd: bigint): NonNullable<LimitChecks["project"]> {
  return async ({ name, budgetMicroUsd }, spend) => {
    const { spentMicroUsd } = await spend();
    if (spentMicroUsd + worstMicroUsd > budgetMicroUsd) throw projectBudgetError({ name, budgetMicroUsd, spentMicroUsd, worstMicroUsd });
  };
}

/**
 * For POST /v1/quote (no hold): throws the allowlist's 403 as the request would, and says
 * whether the project's budget would refuse the worst case now (read without a lock: a quote
 * is advice, the request's own hold decides).
 */
export async function projectBudgetWouldRefuse(db: Queryable, key: ApiKeyPrincipal, model: CatalogModel, worstMicroUsd: bigint): Promise<boolean> {
  const project = key.project;
  if (project?.allowedModels && !project.allowedModels.includes(model.id)) throw modelNotAllowedError(project.name, model.id, project.allowedModels);
  if (!project?.budgeted || !key.projectId) return false;
  const [row] = await db.select({ budget: projects.monthlyBudgetMicroUsd }).from(projects).where(eq(projects.id, key.projectId));
  if (row?.budget == null) return false;
  const { spentMicroUsd } = await projectSpentSince(db, { projectId: key.projectId, since: monthStart() });
  return spentMicroUsd + worstMicroUsd > row.budget;
}
