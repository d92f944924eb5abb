"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { currentAccount } from "@/lib/auth/session";
import { formatMoney, parseUsd } from "@/lib/money";
import { ForbiddenError } from "@/lib/orgs/roles";
import { archiveProject, createProject, PROJECT_NAME_MAX, ProjectError, renameProject, setProjectAllowedModels, setProjectBudget } from "@/lib/projects";

// Every action takes the organization from the session, never from the form (a project id
// of another organization matches nothing), and needs projects.manage: owners and admins.
// A refusal is returned like the form's other errors, never thrown as a 500.

export type ProjectActionState = { ok: true; message: string } | { ok: false; error: string } | undefined;

const nameSchema = z
  .string()
  .trim()
  .min(1, "Give the project a name, e.g. the product or team that will use its keys.")
  .max(PROJECT_NAME_MAX, `Project names are at most ${PROJECT_NAME_MAX} characters.`);

const NO_SUCH_PROJECT = "That project does not exist in this organization (or was archived).";

type Manager = NonNullable<Awaited<ReturnType<typeof currentAccount>>>;

/** The session, if its role may manage projects; otherwise the message to show. */
async function manager(): Promise<{ session: Manager } | { error: string }> {
  const session = await currentAccount();
  if (!session) return { error: "Your session has ended. Sign in again." };
  if (!session.can("projects.manage")) return { error: new ForbiddenError("projects.manage").message };
  return { session };
}

/** Runs a change, turning the domain's refusals into the form's error. */
async function attempt(run: () => Promise<ProjectActionState>): Promise<ProjectActionState> {
  try {
    const state = await run();
    if (state?.ok) revalidatePath("/dashboard/projects");
    return state;
  } catch (err) {
    if (err instanceof ProjectError) return { ok: false, error: err.message };
    throw err;
  }
}

const projectIdOf = (form: FormData) => {
  const id = form.get("projectId");
  return typeof id === "string" && id ? id : null;
};

export async function createProjectAction(_prev: ProjectActionState, form: FormData): Promise<ProjectActionState> {
  const m = await manager();
  if ("error" in m) return { ok: false, error: m.error };
  const name = nameSchema.safeParse(form.get("name") ?? "");
  if (!name.success) return { ok: false, error: name.error.issues[0].message };
  return attempt(async () => {
    const p = await createProject(m.session.db, { accountId: m.session.account.id, name: name.data });
    return { ok: true, message: `Project “${p.name}” created. Pick it when you create a key.` };
  });
}

export async function renameProjectAction(_prev: ProjectActionState, form: FormData): Promise<ProjectActionState> {
  const m = await manager();
  if ("error" in m) return { ok: false, error: m.error };
  const projectId = projectIdOf(form);
  const name = nameSchema.safeParse(form.get("name") ?? "");
  if (!projectId) return { ok: false, error: "No project given." };
  if (!name.success) return { ok: false, error: name.error.issues[0].message };
  return attempt(async () =>
    (await renameProject(m.session.db, { accountId: m.session.account.id, projectId, name: name.data }))
      ? { ok: true, message: `Renamed to “${name.data}”.` }
      : { ok: false, error: NO_SUCH_PROJECT },
  );
}

/** Sets the monthly budget (USD, exact to the micro-dollar), or clears it (intent=clear or an empty amount). */
export async function setProjectBudgetAction(_prev: ProjectActionState, form: FormData): Promise<ProjectActionState> {
  const m = await manager();
  if ("error" in m) return { ok: false, error: m.error };
  const projectId = projectIdOf(form);
  if (!projectId) return { ok: false, error: "No project given." };
  const raw = String(form.get("budget") ?? "").trim();
  const clear = form.get("intent") === "clear" || raw === "";
  const budget = clear ? null : parseUsd(raw, 6);
  if (!clear && budget === null) return { ok: false, error: "Enter the budget in dollars, e.g. 50 or 12.345678 (at most 6 decimals)." };
  return attempt(async () => {
    const done = await setProjectBudget(m.session.db, { accountId: m.session.account.id, projectId, monthlyBudgetMicroUsd: budget });
    if (!done) return { ok: false, error: NO_SUCH_PROJECT };
    return {
      ok: true,
      message: budget === null ? "Budget removed: the project can spend up to the organization's balance." : `Budget set: ${formatMoney(budget)} per month.`,
    };
  });
}

/** mode=all clears the allowlist (every model); mode=only keeps the checked `model` boxes. */
export async function setProjectModelsAction(_prev: ProjectActionState, form: FormData): Promise<ProjectActionState> {
  const m = await manager();
  if ("error" in m) return { ok: false, error: m.error };
  const projectId = projectIdOf(form);
  if (!projectId) return { ok: false, error: "No project given." };
  const all = form.get("mode") !== "only";
  const models = all ? null : form.getAll("model").filter((x): x is string => typeof x === "string");
  return attempt(async () => {
    const done = await setProjectAllowedModels(m.session.db, { accountId: m.session.account.id, projectId, models });
    if (!done) return { ok: false, error: NO_SUCH_PROJECT };
    if (!models) return { ok: true, message: "Every model is allowed." };
    return {
      ok: true,
      message: models.length
        ? `Allowed: ${models.length} model${models.length > 1 ? "s" : ""}.`
        : "No model is allowed: every request of this project is refused.",
    };
  });
}

export async function archiveProjectAction(_prev: ProjectActionState, form: FormData): Promise<ProjectActionState> {
  const m = await manager();
  if ("error" in m) return { ok: false, error: m.error };
  const projectId = projectIdOf(form);
  if (!projectId) return { ok: false, error: "No project given." };
  return attempt(async () => {
    const done = await archiveProject(m.session.db, { accountId: m.session.account.id, projectId });
    if (!done) return { ok: false, error: NO_SUCH_PROJECT };
    return { ok: true, message: `Project archived; ${done.revokedKeys} key${done.revokedKeys === 1 ? "" : "s"} revoked.` };
  });
}
