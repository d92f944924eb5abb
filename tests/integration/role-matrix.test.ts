import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { and, eq, isNotNull } from "drizzle-orm";
import { apiKeys, billingAccounts, budgetAlerts, managementKeys, organizationMembers, projects, users } from "@/db/schema";
import { createApiKey } from "@/lib/api-keys";
import { listKeysForDashboard } from "@/lib/api-keys/dashboard";
import { addBudgetAlert } from "@/lib/billing/budget-alerts";
import { newId, randomBase62 } from "@/lib/ids";
import { createManagementKey } from "@/lib/management/keys";
import { createInvite } from "@/lib/orgs/invites";
import { createProject } from "@/lib/projects";
import { flushLastUsed } from "@/lib/api";
import { grant } from "@/lib/ledger";
import { can, ORG_ROLES, type OrgRole, type Permission } from "@/lib/orgs/roles";
import { CSV_COLUMNS, overviewStats, parseUsageFilters, usageSummary } from "@/lib/usage";
import { makeAccount } from "@/tests/helpers/accounts";
import { sdkClient } from "@/tests/helpers/app-fetch";
import { integrationApp } from "@/tests/helpers/fixture";
import { RULES, type Rule } from "@/tests/helpers/role-rules";
import { recordEmails } from "@/tests/helpers/mail";
import { form } from "@/tests/helpers/web-session";

// The role matrix, run: every server action, dashboard page and dashboard route of
// tests/helpers/role-rules.ts, called for real as a user of each role (owner, admin,
// billing, member) of one organization in a real database, and the outcome held to the
// table. Only what needs a Next.js request is replaced: auth() (who is signed in), the
// cookies/headers, and revalidatePath. The checks themselves (lib/auth/session.ts,
// lib/orgs/roles.ts, each action's own) run as in production.

process.env.LOCAL_SIM_CHUNK_DELAY_MS = "0";
// forbidden() throws only with the flag `experimental.authInterrupts` sets in a build.
process.env.__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS = "true";

const who = vi.hoisted(() => ({ userId: null as string | null, orgId: "", stripeCalls: 0, cookiesSet: [] as [string, string][] }));

vi.mock("server-only", () => ({}));
vi.mock("@/lib/auth", () => ({
  auth: async () => (who.userId ? { user: { id: who.userId } } : null),
  signIn: async () => undefined,
  signOut: async () => undefined,
  handlers: {},
}));
// next-auth itself needs Next's runtime; the actions only use its error class.
vi.mock("next-auth", () => ({ AuthError: class AuthError extends Error {} }));
vi.mock("next/headers", () => ({
  cookies: async () => ({
    get: (name: string) => (name === "metered_org" && who.orgId ? { name, value: who.orgId } : undefined),
    getAll: () => [],
    has: (name: string) => name === "metered_org" && !!who.orgId,
    set: (name: string, value: string) => void who.cookiesSet.push([name, value]),
    delete: () => undefined,
  }),
  headers: async () => new Headers({ host: "app.test", "x-forwarded-proto": "http", "x-forwarded-for": "203.0.113.7" }),
}));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined, revalidateTag: () => undefined }));
// A pass-through that counts: reaching Stripe means the role check let the call through.
vi.mock("@/lib/billing/server", async (importOriginal) => {
  const real = await importOriginal<typeof import("@/lib/billing/server")>();
  return {
    ...real,
    getStripe: () => {
      who.stripeCalls++;
      return real.getStripe();
    },
  };
});

const app = integrationApp({ maxConnections: 10 });

const FORBIDDEN_TEXT = "Your role in this organization does not allow this";
type Outcome = "allowed" | "refused";

type Org = { id: string; users: Record<OrgRole, string> };
let org: Org;

/** A shared organization with one user of each role. */
async function makeOrg(): Promise<Org> {
  const people = await Promise.all(ORG_ROLES.map(() => makeAccount(app.db)));
  const owner = people[0];
  const id = newId("acct");
  await app.db.insert(billingAccounts).values({ id, ownerUserId: owner.userId, personal: false, name: "Team", tier: "paid" });
  await app.db.insert(projects).values({ id: newId("proj"), accountId: id, name: "Default" });
  const users = Object.fromEntries(ORG_ROLES.map((r, i) => [r, people[i].userId])) as Record<OrgRole, string>;
  await app.db.insert(organizationMembers).values(ORG_ROLES.map((role) => ({ accountId: id, userId: users[role], role })));
  return { id, users };
}

function as(role: OrgRole, o: Org = org) {
  who.userId = o.users[role];
  who.orgId = o.id;
}

const forbiddenResult = (r: unknown) => JSON.stringify(r ?? null).includes(FORBIDDEN_TEXT);

/** A page: refused is the styled 403 (forbidden()); anything else (a page, a 404) is allowed. */
async function page(load: () => Promise<unknown>): Promise<Outcome> {
  try {
    await load();
    return "allowed";
  } catch (err) {
    const digest = (err as { digest?: string }).digest ?? "";
    if (digest.endsWith(";403")) return "refused";
    if (digest.endsWith(";404")) return "allowed";
    // Past the role check, a page that reads Stripe finds payments off in this test.
    if ((err as { code?: string }).code === "payments_not_configured") return "allowed";
    throw err;
  }
}

const keyOf = async (role: OrgRole) => (await createApiKey(app.db, { accountId: org.id, userId: org.users[role], name: `${role} key` })).id;

const isRevoked = async (keyId: string) =>
  (
    await app.db
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.id, keyId), isNotNull(apiKeys.revokedAt)))
  ).length === 1;

/** How to run each entry as the current user, and whether it was refused. */
const DRIVERS: Record<string, (role: OrgRole) => Promise<Outcome | "skip">> = {
  "app/dashboard/keys/actions.ts#createKeyAction": async () => {
    const { createKeyAction } = await import("@/app/dashboard/keys/actions");
    const r = await createKeyAction(undefined, form({ name: "made here" }));
    if (r?.ok) return "allowed";
    return forbiddenResult(r) ? "refused" : fail(r);
  },
  "app/dashboard/keys/actions.ts#revokeKeyAction": async (role) => {
    const { revokeKeyAction } = await import("@/app/dashboard/keys/actions");
    const keyId = await keyOf(role);
    await revokeKeyAction(form({ keyId }));
    return (await isRevoked(keyId)) ? "allowed" : "refused";
  },
  "app/dashboard/keys/actions.ts#renameKeyAction": async (role) => {
    const { renameKeyAction } = await import("@/app/dashboard/keys/actions");
    const r = await renameKeyAction(undefined, form({ keyId: await keyOf(role), name: "renamed" }));
    return r?.ok ? "allowed" : forbiddenResult(r) ? "refused" : fail(r);
  },
  "app/dashboard/keys/actions.ts#setKeyLimitAction": async (role) => {
    const { setKeyLimitAction } = await import("@/app/dashboard/keys/actions");
    const r = await setKeyLimitAction(undefined, form({ keyId: await keyOf(role), limit: "5", period: "daily" }));
    return r?.ok ? "allowed" : forbiddenResult(r) ? "refused" : fail(r);
  },
  "app/dashboard/billing/actions.ts#createSetupIntentAction": async () => billingResult(async (a) => a.createSetupIntentAction()),
  "app/dashboard/billing/actions.ts#removeCardAction": async () => billingResult(async (a) => a.removeCardAction("pm_nope")),
  "app/dashboard/billing/actions.ts#topUpAction": async () =>
    billingResult(async (a) => a.topUpAction({ amount: "10", paymentMethodId: "pm_nope", requestKey: "request-key-1" })),
  "app/dashboard/billing/actions.ts#confirmTopUpAction": async () => billingResult(async (a) => a.confirmTopUpAction("pi_nope")),
  "app/dashboard/billing/actions.ts#saveAutoTopUpAction": async () =>
    billingResult(async (a) => a.saveAutoTopUpAction({ enabled: false, threshold: "5.00", amount: "20.00", paymentMethodId: null })),
  "app/dashboard/billing/actions.ts#saveBillingDetailsAction": async () =>
    billingResult(async (a) => a.saveBillingDetailsAction(undefined, form({ name: "Team" }))),
  "app/dashboard/billing/actions.ts#addBudgetAlertAction": async () => {
    const { addBudgetAlertAction } = await import("@/app/dashboard/billing/actions");
    await app.db.delete(budgetAlerts).where(eq(budgetAlerts.accountId, org.id));
    const r = await addBudgetAlertAction(undefined, form({ threshold: "25" }));
    return r?.ok ? "allowed" : forbiddenResult(r) ? "refused" : fail(r);
  },
  "app/dashboard/billing/actions.ts#removeBudgetAlertAction": async () => {
    const { removeBudgetAlertAction } = await import("@/app/dashboard/billing/actions");
    await app.db.delete(budgetAlerts).where(eq(budgetAlerts.accountId, org.id));
    await addBudgetAlert(app.db, { accountId: org.id, thresholdMicroUsd: 7_000_000n });
    const [alert] = await app.db.select().from(budgetAlerts).where(eq(budgetAlerts.accountId, org.id));
    await removeBudgetAlertAction(form({ alertId: alert.id }));
    const left = await app.db.select().from(budgetAlerts).where(eq(budgetAlerts.id, alert.id));
    return left.length === 0 ? "allowed" : "refused";
  },
  "app/dashboard/billing/actions.ts#removeTaxIdAction": async () => {
    const { removeTaxIdAction } = await import("@/app/dashboard/billing/actions");
    const before = who.stripeCalls;
    try {
      await removeTaxIdAction(form({ taxIdId: "txi_nope" }));
    } catch {
      // Payments are not configured in this test: reaching Stripe at all is what counts.
    }
    return who.stripeCalls > before ? "allowed" : "refused";
  },
  "lib/tiers/actions.ts#requestElevatedAction": async () => {
    const { requestElevatedAction } = await import("@/lib/tiers/actions");
    const r = await requestElevatedAction(undefined, form({ reason: "x" }));
    return forbiddenResult(r) ? "refused" : "allowed";
  },
  // The user's own settings: refused would be the role message; each is sent something the
  // action itself turns down (a wrong password, no confirmation), so nothing changes.
  "app/dashboard/settings/actions.ts#changePasswordAction": async () => {
    const { changePasswordAction } = await import("@/app/dashboard/settings/actions");
    const r = await changePasswordAction(undefined, form({ currentPassword: "wrong", newPassword: "another long password 9" }));
    return forbiddenResult(r) ? "refused" : r?.ok === false ? "allowed" : fail(r);
  },
  "app/dashboard/settings/actions.ts#changeEmailAction": async () => {
    const { changeEmailAction } = await import("@/app/dashboard/settings/actions");
    const r = await changeEmailAction(undefined, form({ currentPassword: "wrong", newEmail: "new@example.test" }));
    return forbiddenResult(r) ? "refused" : r?.ok === false ? "allowed" : fail(r);
  },
  "app/dashboard/settings/actions.ts#signOutEverywhereAction": async () => {
    const { signOutEverywhereAction } = await import("@/app/dashboard/settings/actions");
    await signOutEverywhereAction();
    return "allowed";
  },
  "app/dashboard/settings/actions.ts#deleteAccountAction": async () => {
    const { deleteAccountAction } = await import("@/app/dashboard/settings/actions");
    const r = await deleteAccountAction(undefined, form({ confirm: "no", password: "wrong" }));
    return forbiddenResult(r) ? "refused" : r?.ok === false && r.field === "confirm" ? "allowed" : fail(r);
  },
  "app/dashboard/settings/actions.ts#resendVerificationAction": async () => {
    const { resendVerificationAction } = await import("@/app/dashboard/settings/actions");
    const r = await resendVerificationAction(undefined);
    return forbiddenResult(r) ? "refused" : "allowed";
  },
  "app/admin/actions.ts#decideTierRequestAction": async () => {
    const { decideTierRequestAction } = await import("@/app/admin/actions");
    const r = await decideTierRequestAction(undefined, form({ decision: "approve", requestId: "treq_nope" }));
    return r?.ok === false && r.error.startsWith("Only administrators") ? "refused" : "allowed";
  },
  "app/admin/actions.ts#endUserSessionsAction": async () => {
    const { endUserSessionsAction } = await import("@/app/admin/actions");
    const r = await endUserSessionsAction(undefined, form({ email: "nobody@example.test" }));
    return r?.ok === false && r.error.startsWith("Only administrators") ? "refused" : "allowed";
  },

  // The organization's settings (issue 24).
  "app/dashboard/organization/actions.ts#renameOrganizationAction": async () => orgAction((a) => a.renameOrganizationAction(undefined, form({ name: "Team" }))),
  "app/dashboard/organization/actions.ts#inviteMemberAction": async () =>
    orgAction((a) => a.inviteMemberAction(undefined, form({ email: freshEmail("invitee"), role: "member" }))),
  "app/dashboard/organization/actions.ts#resendInviteAction": async () => {
    const { id } = await inviteTo(org, freshEmail("resend"));
    return orgAction((a) => a.resendInviteAction(undefined, form({ inviteId: id })));
  },
  "app/dashboard/organization/actions.ts#revokeInviteAction": async () => {
    const { id } = await inviteTo(org, freshEmail("revoke"));
    return orgAction((a) => a.revokeInviteAction(undefined, form({ inviteId: id })));
  },
  "app/dashboard/organization/actions.ts#changeRoleAction": async () => {
    const extra = await addMember(org, "member");
    return orgAction((a) => a.changeRoleAction(undefined, form({ userId: extra, role: "billing" })));
  },
  "app/dashboard/organization/actions.ts#removeMemberAction": async () => {
    const extra = await addMember(org, "member");
    return orgAction((a) => a.removeMemberAction(undefined, form({ userId: extra })));
  },
  // Leaving is tried in an organization of its own (with a second owner, so that the owner
  // may leave too), which keeps the shared one whole.
  "app/dashboard/organization/actions.ts#leaveOrganizationAction": async (role) => {
    const scratch = await makeOrg();
    await addMember(scratch, "owner");
    as(role, scratch);
    const outcome = await orgAction((a) => a.leaveOrganizationAction(undefined));
    const left =
      (
        await app.db
          .select()
          .from(organizationMembers)
          .where(and(eq(organizationMembers.accountId, scratch.id), eq(organizationMembers.userId, scratch.users[role])))
      ).length === 0;
    expect(left).toBe(outcome === "allowed");
    return outcome;
  },
  "app/dashboard/organization/actions.ts#switchOrganizationAction": async () => orgAction((a) => a.switchOrganizationAction(org.id)),
  "app/dashboard/organization/actions.ts#createOrganizationAction": async () =>
    orgAction((a) => a.createOrganizationAction(undefined, form({ name: "Side project" }))),
  "app/dashboard/organization/management-keys/actions.ts#createManagementKeyAction": async () => {
    const { createManagementKeyAction } = await import("@/app/dashboard/organization/management-keys/actions");
    const r = await createManagementKeyAction(undefined, form({ name: "automation" }));
    return r?.ok ? "allowed" : forbiddenResult(r) ? "refused" : fail(r);
  },
  "app/dashboard/organization/management-keys/actions.ts#revokeManagementKeyAction": async () => {
    const { revokeManagementKeyAction } = await import("@/app/dashboard/organization/management-keys/actions");
    const key = await createManagementKey(app.db, { accountId: org.id, userId: org.users.owner, name: "to revoke" });
    await revokeManagementKeyAction(form({ keyId: key.id }));
    const [row] = await app.db.select().from(managementKeys).where(eq(managementKeys.id, key.id));
    return row.revokedAt ? "allowed" : "refused";
  },
  "app/dashboard/projects/actions.ts#createProjectAction": async () => projectAction((a) => a.createProjectAction(undefined, form({ name: freshName("p") }))),
  "app/dashboard/projects/actions.ts#renameProjectAction": async () => {
    const p = await createProject(app.db, { accountId: org.id, name: freshName("r") });
    return projectAction((a) => a.renameProjectAction(undefined, form({ projectId: p.id, name: freshName("renamed") })));
  },
  "app/dashboard/projects/actions.ts#setProjectBudgetAction": async () => {
    const p = await createProject(app.db, { accountId: org.id, name: freshName("b") });
    return projectAction((a) => a.setProjectBudgetAction(undefined, form({ projectId: p.id, budget: "5" })));
  },
  "app/dashboard/projects/actions.ts#setProjectModelsAction": async () => {
    const p = await createProject(app.db, { accountId: org.id, name: freshName("m") });
    return projectAction((a) => a.setProjectModelsAction(undefined, form({ projectId: p.id, mode: "all" })));
  },
  "app/dashboard/projects/actions.ts#archiveProjectAction": async () => {
    const p = await createProject(app.db, { accountId: org.id, name: freshName("a") });
    return projectAction((a) => a.archiveProjectAction(undefined, form({ projectId: p.id })));
  },
  // Accepting: each user is invited (by address) to an organization of its own and accepts.
  "app/(auth)/invite/[token]/actions.ts#acceptInviteAction": async (role) => {
    const { acceptInviteAction } = await import("@/app/(auth)/invite/[token]/actions");
    const elsewhere = await makeOrg();
    const [me] = await app.db.select({ email: users.email }).from(users).where(eq(users.id, org.users[role]));
    const { token } = await inviteTo(elsewhere, me.email);
    const r = await settle(() => acceptInviteAction(undefined, form({ token })));
    if (r !== REDIRECTED) return forbiddenResult(r) ? "refused" : fail(r);
    const joined = await app.db
      .select()
      .from(organizationMembers)
      .where(and(eq(organizationMembers.accountId, elsewhere.id), eq(organizationMembers.userId, org.users[role])));
    return joined.length === 1 ? "allowed" : fail("accepted without joining");
  },

  // Pages, called as the App Router calls them.
  "app/dashboard/(overview)/page.tsx": async () => page(async () => (await import("@/app/dashboard/(overview)/page")).default()),
  "app/dashboard/keys/page.tsx": async () => page(async () => (await import("@/app/dashboard/keys/page")).default()),
  "app/dashboard/playground/page.tsx": async () => page(async () => (await import("@/app/dashboard/playground/page")).default()),
  "app/dashboard/usage/(summary)/page.tsx": async () =>
    page(async () => (await import("@/app/dashboard/usage/(summary)/page")).default({ searchParams: Promise.resolve({}) })),
  "app/dashboard/usage/requests/[requestId]/page.tsx": async () =>
    page(async () => (await import("@/app/dashboard/usage/requests/[requestId]/page")).default({ params: Promise.resolve({ requestId: "req_nope" }) })),
  "app/dashboard/billing/page.tsx": async () => page(async () => (await import("@/app/dashboard/billing/page")).default({ searchParams: Promise.resolve({}) })),
  "app/dashboard/billing/receipts/[paymentIntentId]/page.tsx": async () =>
    page(async () =>
      (await import("@/app/dashboard/billing/receipts/[paymentIntentId]/page")).default({ params: Promise.resolve({ paymentIntentId: "pi_nope" }) }),
    ),
  "app/dashboard/settings/page.tsx": async () =>
    page(async () => (await import("@/app/dashboard/settings/page")).default({ searchParams: Promise.resolve({}) })),
  "app/dashboard/organization/page.tsx": async () => page(async () => (await import("@/app/dashboard/organization/page")).default()),
  "app/dashboard/organization/new/page.tsx": async () => page(async () => (await import("@/app/dashboard/organization/new/page")).default()),
  "app/dashboard/organization/management-keys/page.tsx": async () =>
    page(async () => (await import("@/app/dashboard/organization/management-keys/page")).default()),
  "app/dashboard/projects/page.tsx": async () => page(async () => (await import("@/app/dashboard/projects/page")).default()),
  "app/dashboard/[...missing]/page.tsx": async () => page(async () => (await import("@/app/dashboard/[...missing]/page")).default()),
  "app/dashboard/usage/export/route.ts#GET": async () => {
    const { GET } = await import("@/app/dashboard/usage/export/route");
    const res = await GET(new Request("http://app.test/dashboard/usage/export"));
    await res.body?.cancel();
    if (res.status === 403) return "refused";
    return res.status === 200 ? "allowed" : fail(res.status);
  },
};

const REDIRECTED = Symbol("redirected");

/** Runs an action that may end in redirect() (Next's NEXT_REDIRECT error): REDIRECTED then. */
async function settle(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return await run();
  } catch (err) {
    if (String((err as { digest?: string }).digest ?? "").startsWith("NEXT_REDIRECT")) return REDIRECTED;
    throw err;
  }
}

type OrgActions = typeof import("@/app/dashboard/organization/actions");
/** The organization actions answer { ok, message } or { ok: false, error }, or redirect when done. */
async function orgAction(run: (a: OrgActions) => Promise<unknown>): Promise<Outcome> {
  const actions = await import("@/app/dashboard/organization/actions");
  const r = await settle(() => run(actions));
  if (r === REDIRECTED || (r as { ok?: boolean })?.ok) return "allowed";
  return forbiddenResult(r) ? "refused" : fail(r);
}

type ProjectActions = typeof import("@/app/dashboard/projects/actions");
async function projectAction(run: (a: ProjectActions) => Promise<unknown>): Promise<Outcome> {
  const r = await run(await import("@/app/dashboard/projects/actions"));
  if ((r as { ok?: boolean })?.ok) return "allowed";
  return forbiddenResult(r) ? "refused" : fail(r);
}

const freshName = (tag: string) => `${tag}-${randomBase62(8)}`;
const freshEmail = (tag: string) => `${freshName(tag).toLowerCase()}@example.test`;

/** A pending invitation of `o`, made by its owner. */
const inviteTo = (o: Org, email: string) =>
  createInvite(app.db, { accountId: o.id, invitedByUserId: o.users.owner, email, role: "member", origin: "http://app.test" });

/** A new user, member of `o` with `role`; returns their id. */
async function addMember(o: Org, role: OrgRole): Promise<string> {
  const u = await makeAccount(app.db);
  await app.db.insert(organizationMembers).values({ accountId: o.id, userId: u.userId, role });
  return u.userId;
}

function fail(r: unknown): never {
  throw new Error(`neither allowed nor refused by role: ${JSON.stringify(r)}`);
}

type BillingActions = typeof import("@/app/dashboard/billing/actions");
/** The billing actions answer { ok: false, code } on failure: "forbidden" is the role's refusal. */
async function billingResult(run: (a: BillingActions) => Promise<unknown>): Promise<Outcome> {
  const r = (await run(await import("@/app/dashboard/billing/actions"))) as { ok: boolean; code?: string; error?: string } | undefined;
  if (r && !r.ok && ((r as { code?: string }).code === "forbidden" || forbiddenResult(r))) return "refused";
  return "allowed";
}

function expected(rule: Rule, role: OrgRole): Outcome | "skip" {
  if (rule === "public") return "skip"; // no session involved: nothing a role changes
  if (rule === "user") return "allowed";
  if (rule === "operator") return "refused"; // none of these users is the site's administrator
  return can(role, rule as Permission) ? "allowed" : "refused";
}

let mail: ReturnType<typeof recordEmails>;
beforeAll(async () => {
  mail = recordEmails(); // invitations are mailed: recorded here, not sent
  org = await makeOrg();
});
afterAll(() => mail.stop());

describe("role matrix: every action, page and route × every role, run", () => {
  it("has a driver for every rule that involves a session", () => {
    const missing = Object.entries(RULES)
      .filter(([, rule]) => rule !== "public")
      .map(([entry]) => entry)
      .filter((e) => !DRIVERS[e]);
    expect(missing).toEqual([]);
  });

  for (const [entry, rule] of Object.entries(RULES)) {
    for (const role of ORG_ROLES) {
      const want = expected(rule, role);
      if (want === "skip") continue;
      it(`${entry} as ${role}: ${want}`, async () => {
        as(role);
        expect(await DRIVERS[entry](role)).toBe(want);
      });
    }
  }
});

describe("keys: a member acts on their own keys only; keys.manage on every key", () => {
  it("refuses a member another user's key, and lets an admin change it", async () => {
    const { renameKeyAction, revokeKeyAction, setKeyLimitAction } = await import("@/app/dashboard/keys/actions");
    const ownersKey = await keyOf("owner");
    as("member");
    const renamed = await renameKeyAction(undefined, form({ keyId: ownersKey, name: "mine now" }));
    expect(forbiddenResult(renamed)).toBe(true);
    const limited = await setKeyLimitAction(undefined, form({ keyId: ownersKey, limit: "1", period: "daily" }));
    expect(forbiddenResult(limited)).toBe(true);
    await revokeKeyAction(form({ keyId: ownersKey }));
    expect(await isRevoked(ownersKey)).toBe(false);

    as("admin");
    expect((await setKeyLimitAction(undefined, form({ keyId: ownersKey, limit: "1", period: "daily" })))?.ok).toBe(true);
    await revokeKeyAction(form({ keyId: ownersKey }));
    expect(await isRevoked(ownersKey)).toBe(true);
  });

  it("lists a member's keys only, and every key with its creator for keys.manage", async () => {
    const mine = await keyOf("member");
    const theirs = await keyOf("admin");
    const memberView = await listKeysForDashboard(app.db, { accountId: org.id, createdBy: org.users.member });
    expect(memberView.map((k) => k.id)).toContain(mine);
    expect(memberView.map((k) => k.id)).not.toContain(theirs);
    expect(new Set(memberView.map((k) => k.createdByUserId))).toEqual(new Set([org.users.member]));
    const all = await listKeysForDashboard(app.db, { accountId: org.id });
    expect(all.map((k) => k.id)).toEqual(expect.arrayContaining([mine, theirs]));
    expect(all.every((k) => k.projectName === "Default")).toBe(true);
  });

  it("creates a key in the chosen project, and refuses a project of another organization", async () => {
    const { createKeyAction } = await import("@/app/dashboard/keys/actions");
    const beta = newId("proj");
    await app.db.insert(projects).values({ id: beta, accountId: org.id, name: "Beta" });
    const other = await makeOrg();
    const [elsewhere] = await app.db.select().from(projects).where(eq(projects.accountId, other.id));
    as("member");
    const made = await createKeyAction(undefined, form({ name: "beta key", project: beta }));
    expect(made?.ok).toBe(true);
    const [row] = await app.db
      .select()
      .from(apiKeys)
      .where(eq(apiKeys.id, made?.ok ? made.id : ""));
    expect(row.projectId).toBe(beta);
    const refused = await createKeyAction(undefined, form({ name: "sneaky", project: elsewhere.id }));
    expect(refused).toEqual({ ok: false, error: expect.stringMatching(/project does not exist/) });
  });
});

describe("usage: usage.own sees only the user's keys; the project filter adds up", () => {
  let team: Org;
  let beta: string;
  beforeAll(async () => {
    team = await makeOrg();
    beta = newId("proj");
    await app.db.insert(projects).values({ id: beta, accountId: team.id, name: "Beta" });
    await app.db.update(billingAccounts).set({ tier: "paid" }).where(eq(billingAccounts.id, team.id));
    // The organization needs credit for its keys to spend (the owner's personal $10 is not its).
    await grant(app.db, { accountId: team.id, amountMicroUsd: 5_000_000n, reference: newId("evt"), description: "test: team credit", creditKind: "paid" });
    const ownerKey = await createApiKey(app.db, { accountId: team.id, userId: team.users.owner, name: "owner default" });
    const memberKey = await createApiKey(app.db, { accountId: team.id, userId: team.users.member, name: "member beta", projectId: beta });
    for (const [secret, n] of [
      [ownerKey.secret, 3],
      [memberKey.secret, 2],
    ] as const) {
      for (let i = 0; i < n; i++) {
        await sdkClient(secret).chat.completions.create({ model: "local/echo-chat", messages: [{ role: "user", content: `hello ${i}` }] });
      }
    }
    await flushLastUsed();
  });

  const csv = async (query = "") => {
    const { GET } = await import("@/app/dashboard/usage/export/route");
    const res = await GET(new Request(`http://app.test/dashboard/usage/export?range=7d${query}`));
    expect(res.status).toBe(200);
    const lines = (await res.text()).split("\r\n").filter(Boolean);
    const header = lines[0].split(",");
    return { header, rows: lines.slice(1).map((l) => Object.fromEntries(l.split(",").map((v, i) => [header[i], v]))) };
  };

  it("appends the project column to the CSV and gives a member only their own keys' rows", async () => {
    as("owner", team);
    const all = await csv();
    expect(all.header).toEqual([...CSV_COLUMNS]);
    expect(all.header.at(-1)).toBe("project");
    expect(all.rows).toHaveLength(5);
    expect(all.rows.filter((r) => r.project === "Beta")).toHaveLength(2);
    as("member", team);
    const own = await csv();
    expect(own.rows).toHaveLength(2);
    expect(new Set(own.rows.map((r) => r.key_name))).toEqual(new Set(["member beta"]));
    // The billing role sees the whole organization (usage.all).
    as("billing", team);
    expect((await csv()).rows).toHaveLength(5);
  });

  it("filters the CSV and the summary by project, and the projects' totals add up to the whole", async () => {
    as("owner", team);
    expect((await csv(`&project=${beta}`)).rows.map((r) => r.project)).toEqual(["Beta", "Beta"]);
    const filters = parseUsageFilters({ range: "7d" });
    const whole = await usageSummary({ db: app.db, accountId: team.id, filters });
    const list = await app.db.select().from(projects).where(eq(projects.accountId, team.id));
    let requests = 0n;
    let cost = 0n;
    for (const p of list) {
      const s = await usageSummary({ db: app.db, accountId: team.id, filters: { ...filters, projectId: p.id } });
      requests += s.totals.requests;
      cost += s.totals.costMicroUsd;
    }
    expect(whole.totals.requests).toBe(5n);
    expect(requests).toBe(whole.totals.requests);
    expect(cost).toBe(whole.totals.costMicroUsd);
    // A project of another organization matches nothing.
    const [foreign] = await app.db.select().from(projects).where(eq(projects.accountId, org.id));
    expect((await csv(`&project=${foreign.id}`)).rows).toHaveLength(0);
  });
  it("scopes the overview's spend to the keys a user created, and the parts add up", async () => {
    const all = await overviewStats({ db: app.db, accountId: team.id });
    const member = await overviewStats({ db: app.db, accountId: team.id, scope: { createdBy: team.users.member } });
    const owner = await overviewStats({ db: app.db, accountId: team.id, scope: { createdBy: team.users.owner } });
    expect(member.todayMicroUsd).toBeGreaterThan(0n);
    expect(owner.todayMicroUsd).toBeGreaterThan(0n);
    expect(member.todayMicroUsd + owner.todayMicroUsd).toBe(all.todayMicroUsd);
    expect(member.last7DaysMicroUsd + owner.last7DaysMicroUsd).toBe(all.last7DaysMicroUsd);
    as("member", team);
    const rows = (await csv()).rows;
    expect(rows.reduce((s, r) => s + BigInt(r.cost_micro_usd), 0n)).toBe(member.todayMicroUsd);
    const nobody = await overviewStats({ db: app.db, accountId: team.id, scope: { createdBy: team.users.billing } });
    expect([nobody.hasUsage, nobody.todayMicroUsd]).toEqual([false, 0n]);
  });
});

describe("settings: the last owner of a shared organization cannot delete their user", () => {
  it("refuses with the organization's name, and goes on once another owner exists", async () => {
    const { deleteAccountAction } = await import("@/app/dashboard/settings/actions");
    const solo = await makeOrg();
    as("owner", solo);
    const refused = await deleteAccountAction(undefined, form({ confirm: "DELETE", password: "wrong" }));
    expect(refused).toEqual({ ok: false, error: expect.stringMatching(/only owner of “Team”/) });
    await app.db.update(organizationMembers).set({ role: "owner" }).where(eq(organizationMembers.userId, solo.users.admin));
    const next = await deleteAccountAction(undefined, form({ confirm: "DELETE", password: "wrong" }));
    expect(next).toMatchObject({ ok: false, field: "password" });
  });
});

/** Every React element in a server component's rendered tree (without rendering the components in it). */
function elements(node: unknown, out: { type: unknown; props: Record<string, unknown> }[] = []) {
  if (Array.isArray(node)) for (const n of node) elements(n, out);
  else if (node && typeof node === "object" && "props" in node) {
    const el = node as { type: unknown; props: Record<string, unknown> };
    out.push(el);
    elements(el.props.children, out);
  }
  return out;
}

describe("navigation: each role is shown only what it may open", () => {
  const navOf = async (role: OrgRole, o: Org) => {
    as(role, o);
    const { default: DashboardLayout } = await import("@/app/dashboard/layout");
    const tree = await DashboardLayout({ children: null });
    const nav = elements(tree).find((e) => Array.isArray(e.props.links));
    return (nav?.props.links as { href: string }[]).map((l) => l.href);
  };

  it("links only to pages the role passes (the pages' own rules), Organization and Settings for all", async () => {
    const pageOf: Record<string, string> = {
      "/dashboard": "app/dashboard/(overview)/page.tsx",
      "/dashboard/keys": "app/dashboard/keys/page.tsx",
      "/dashboard/projects": "app/dashboard/projects/page.tsx",
      "/dashboard/usage": "app/dashboard/usage/(summary)/page.tsx",
      "/dashboard/playground": "app/dashboard/playground/page.tsx",
      "/dashboard/billing": "app/dashboard/billing/page.tsx",
      "/dashboard/organization": "app/dashboard/organization/page.tsx",
      "/dashboard/settings": "app/dashboard/settings/page.tsx",
    };
    const seen: Record<string, string[]> = {};
    for (const role of ORG_ROLES) {
      const links = (await navOf(role, org)).filter((href) => href.startsWith("/dashboard"));
      seen[role] = links;
      const allowed = Object.keys(pageOf).filter((href) => expected(RULES[pageOf[href]], role) === "allowed");
      expect(links.sort(), role).toEqual(allowed.sort());
    }
    expect(seen.billing).toContain("/dashboard/billing");
    expect(seen.billing).not.toContain("/dashboard/keys");
    expect(seen.billing).not.toContain("/dashboard/playground");
    expect(seen.member).not.toContain("/dashboard/billing");
    expect(seen.member).toContain("/dashboard/projects");
  });

  it("offers “Create an API key” on the overview only to roles with keys.own", async () => {
    const fresh = await makeOrg(); // no usage yet: the overview shows its first steps
    const { default: Overview } = await import("@/app/dashboard/(overview)/page");
    for (const role of ORG_ROLES) {
      as(role, fresh);
      const ids = elements(await Overview()).map((e) => e.props["data-testid"]);
      const hrefs = elements(await Overview()).map((e) => e.props.href);
      if (can(role, "keys.own")) {
        expect(ids, role).toContain("overview-get-started");
        expect(hrefs, role).toContain("/dashboard/keys");
      } else {
        expect(ids, role).not.toContain("overview-get-started");
        expect(ids, role).toContain("overview-no-usage");
        expect(hrefs, role).not.toContain("/dashboard/keys");
      }
    }
  });
});

describe("switching organizations: membership of the one switched to is checked", () => {
  it("sets the cookie to an organization the user belongs to, never to another", async () => {
    const { switchOrganizationAction } = await import("@/app/dashboard/organization/actions");
    const other = await makeOrg();
    as("member");
    who.cookiesSet = [];
    expect(await settle(() => switchOrganizationAction(other.id))).toBe(REDIRECTED);
    expect(await settle(() => switchOrganizationAction("acct_nope"))).toBe(REDIRECTED);
    expect(who.cookiesSet).toEqual([]);
    expect(await settle(() => switchOrganizationAction(org.id))).toBe(REDIRECTED);
    expect(who.cookiesSet).toEqual([["metered_org", org.id]]);
  });
});
