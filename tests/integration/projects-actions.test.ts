import { describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { organizationMembers, projects, type OrgRole } from "@/db/schema";
import { can, ORG_ROLES, type Permission } from "@/lib/orgs/roles";
import { createProject, listProjects } from "@/lib/projects";
import { integrationApp } from "@/tests/helpers/fixture";
import {
  archiveProjectAction,
  createProjectAction,
  renameProjectAction,
  setProjectBudgetAction,
  setProjectModelsAction,
  type ProjectActionState,
} from "@/app/dashboard/projects/actions";

// The Projects page's server actions, called as React calls them, for every role. The
// session is whatever this file says it is (next-auth needs a real request): the role and
// the organization come from here, `can` from the real role table (lib/orgs/roles.ts).

const session = vi.hoisted(() => ({ current: null as null | { accountId: string; userId: string; role: string } }));
vi.mock("@/lib/auth/session", async () => {
  const { can: canDo } = await import("@/lib/orgs/roles");
  const build = async () => {
    if (!session.current) return null;
    const { getDb } = await import("@/db/client");
    const { accountId, userId, role } = session.current;
    return {
      db: await getDb(),
      userId,
      email: "t@test",
      account: { id: accountId, tier: "paid" },
      role,
      can: (p: Permission) => canDo(role as OrgRole, p),
      isAdmin: false,
    };
  };
  return {
    currentAccount: build,
    requireAccount: async () => (await build()) ?? Promise.reject(new Error("NEXT_REDIRECT /login")),
  };
});
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

const app = integrationApp();

const form = (fields: Record<string, string | string[]>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) f.append(k, x);
  return f;
};
const refused = (s: ProjectActionState) => !!s && !s.ok && /does not allow this \(projects\.manage\)/.test(s.error);

/** An organization whose signed-in user has `role` (the owner's org, with a second member at that role). */
async function orgAs(role: OrgRole) {
  const owner = await app.account();
  const project = await createProject(app.db, { accountId: owner.accountId, name: "Team" });
  let userId = owner.userId;
  if (role !== "owner") {
    const other = await app.account();
    await app.db.insert(organizationMembers).values({ accountId: owner.accountId, userId: other.userId, role });
    userId = other.userId;
  }
  session.current = { accountId: owner.accountId, userId, role };
  return { accountId: owner.accountId, project };
}

const projectRow = async (id: string) => (await app.db.select().from(projects).where(eq(projects.id, id)))[0];

describe("Projects page actions × roles", () => {
  for (const role of ORG_ROLES) {
    const allowed = can(role, "projects.manage");
    it(`${role}: ${allowed ? "may" : "may not"} create, rename, budget, restrict or archive projects`, async () => {
      const { accountId, project } = await orgAs(role);
      const results = [
        await createProjectAction(undefined, form({ name: "New one" })),
        await renameProjectAction(undefined, form({ projectId: project.id, name: "Renamed" })),
        await setProjectBudgetAction(undefined, form({ projectId: project.id, budget: "12.345678", intent: "set" })),
        await setProjectModelsAction(undefined, form({ projectId: project.id, mode: "only", model: ["local/lorem-chat"] })),
      ];
      const row = await projectRow(project.id);
      if (allowed) {
        for (const r of results) expect(r).toMatchObject({ ok: true });
        // Exact to the micro-dollar.
        expect(row).toMatchObject({ name: "Renamed", monthlyBudgetMicroUsd: 12_345_678n, allowedModels: ["local/lorem-chat"] });
        expect((await listProjects(app.db, accountId)).map((p) => p.name)).toEqual(["Default", "New one", "Renamed"]);
      } else {
        for (const r of results) expect(refused(r), JSON.stringify(r)).toBe(true);
        expect(row).toMatchObject({ name: "Team", monthlyBudgetMicroUsd: null, allowedModels: null });
        expect((await listProjects(app.db, accountId)).map((p) => p.name)).toEqual(["Default", "Team"]);
      }
      const archived = await archiveProjectAction(undefined, form({ projectId: project.id }));
      if (allowed) expect(archived).toEqual({ ok: true, message: "Project archived; 0 keys revoked." });
      else expect(refused(archived)).toBe(true);
      expect((await projectRow(project.id)).archivedAt === null).toBe(!allowed);
    });
  }

  it("bad input is a clear error, never a 500; another organization's project matches nothing", async () => {
    const { project } = await orgAs("admin");
    const budget = (v: string) => setProjectBudgetAction(undefined, form({ projectId: project.id, budget: v, intent: "set" }));
    expect(await budget("abc")).toMatchObject({ ok: false, error: expect.stringMatching(/in dollars/) });
    expect(await budget("1.1234567")).toMatchObject({ ok: false, error: expect.stringMatching(/6 decimals/) });
    expect(await budget("-5")).toMatchObject({ ok: false });
    expect(await budget("$1,000.5")).toMatchObject({ ok: true, message: "Budget set: $1,000.50 per month." });
    expect((await projectRow(project.id)).monthlyBudgetMicroUsd).toBe(1_000_500_000n);
    expect(await setProjectBudgetAction(undefined, form({ projectId: project.id, budget: "5", intent: "clear" }))).toMatchObject({ ok: true });
    expect((await projectRow(project.id)).monthlyBudgetMicroUsd).toBeNull();
    expect(await setProjectModelsAction(undefined, form({ projectId: project.id, mode: "only", model: ["nope/model"] }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/Unknown model/),
    });
    expect(await createProjectAction(undefined, form({ name: "Team" }))).toMatchObject({ ok: false, error: expect.stringMatching(/already has a project/) });
    expect(await createProjectAction(undefined, form({ name: "" }))).toMatchObject({ ok: false });
    const def = (await listProjects(app.db, session.current!.accountId)).find((p) => p.name === "Default")!;
    expect(await archiveProjectAction(undefined, form({ projectId: def.id }))).toMatchObject({ ok: false, error: expect.stringMatching(/cannot be archived/) });

    const { project: theirs } = await orgAs("owner");
    await orgAs("admin"); // signed in to another organization now
    expect(await setProjectBudgetAction(undefined, form({ projectId: theirs.id, budget: "1", intent: "set" }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/does not exist/),
    });
    expect(await archiveProjectAction(undefined, form({ projectId: theirs.id }))).toMatchObject({ ok: false });
    expect((await projectRow(theirs.id)).monthlyBudgetMicroUsd).toBeNull();

    session.current = null;
    expect(await createProjectAction(undefined, form({ name: "x" }))).toMatchObject({ ok: false, error: expect.stringMatching(/session has ended/) });
  });
});
