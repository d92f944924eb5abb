import fs from "node:fs";
import path from "node:path";
import type { Permission } from "@/lib/orgs/roles";

// The role matrix (issue 24): what every server action, dashboard page and dashboard route
// needs. tests/unit/role-matrix.test.ts fails when one of them has no rule here (so a new
// action or page must be given one), and tests/integration/role-matrix.test.ts runs each
// one as a user of every role and holds the answer (allowed or refused) to this table.
//
// A rule is a permission of lib/orgs/roles.ts (the role in the current organization must
// have it), or:
//   "user"      any signed-in user, whatever their role (their own settings)
//   "public"    no session needed (sign-up, sign-in, password reset …)
//   "operator"  the site's administrator (lib/auth/admin.ts), not an organization role

export type Rule = Permission | "user" | "public" | "operator";

/** Server actions, "file#export"; pages and routes, "file" (route handlers: "file#METHOD"). */
export const RULES: Record<string, Rule> = {
  // app/dashboard/keys: one's own keys (keys.own); another member's key needs keys.manage,
  // which the integration test checks separately (member vs admin on the owner's key).
  "app/dashboard/keys/actions.ts#createKeyAction": "keys.own",
  "app/dashboard/keys/actions.ts#revokeKeyAction": "keys.own",
  "app/dashboard/keys/actions.ts#renameKeyAction": "keys.own",
  "app/dashboard/keys/actions.ts#setKeyLimitAction": "keys.own",
  // app/dashboard/billing: the organization's money.
  "app/dashboard/billing/actions.ts#createSetupIntentAction": "billing.manage",
  "app/dashboard/billing/actions.ts#removeCardAction": "billing.manage",
  "app/dashboard/billing/actions.ts#topUpAction": "billing.manage",
  "app/dashboard/billing/actions.ts#confirmTopUpAction": "billing.manage",
  "app/dashboard/billing/actions.ts#saveAutoTopUpAction": "billing.manage",
  "app/dashboard/billing/actions.ts#addBudgetAlertAction": "billing.manage",
  "app/dashboard/billing/actions.ts#removeBudgetAlertAction": "billing.manage",
  "app/dashboard/billing/actions.ts#saveBillingDetailsAction": "billing.manage",
  "app/dashboard/billing/actions.ts#removeTaxIdAction": "billing.manage",
  "lib/tiers/actions.ts#requestElevatedAction": "billing.manage",
  // app/dashboard/settings: the user's own account.
  "app/dashboard/settings/actions.ts#changePasswordAction": "user",
  "app/dashboard/settings/actions.ts#changeEmailAction": "user",
  "app/dashboard/settings/actions.ts#signOutEverywhereAction": "user",
  "app/dashboard/settings/actions.ts#deleteAccountAction": "user",
  "app/dashboard/settings/actions.ts#resendVerificationAction": "user",
  // Before signing in.
  "app/(auth)/actions.ts#signupAction": "public",
  "app/(auth)/actions.ts#loginAction": "public",
  "app/(auth)/actions.ts#signOutAction": "public",
  "app/(auth)/actions.ts#forgotPasswordAction": "public",
  "app/(auth)/actions.ts#resetPasswordAction": "public",
  "app/(auth)/actions.ts#verifyEmailAction": "public",
  "app/(auth)/actions.ts#confirmEmailAction": "public",
  // app/dashboard/organization (issue 24): the organization's settings. The organization is
  // the session's, never the form's.
  "app/dashboard/organization/actions.ts#renameOrganizationAction": "org.manage",
  "app/dashboard/organization/actions.ts#inviteMemberAction": "members.manage",
  "app/dashboard/organization/actions.ts#resendInviteAction": "members.manage",
  "app/dashboard/organization/actions.ts#revokeInviteAction": "members.manage",
  "app/dashboard/organization/actions.ts#changeRoleAction": "members.manage",
  "app/dashboard/organization/actions.ts#removeMemberAction": "members.manage",
  // Any member may leave (every role has org.view; the last owner is refused by lib/orgs, not by role).
  "app/dashboard/organization/actions.ts#leaveOrganizationAction": "org.view",
  // Switching checks membership of the organization switched to, not a role in the current one.
  "app/dashboard/organization/actions.ts#switchOrganizationAction": "user",
  // Any verified user may create an organization (lib/orgs refuses the unverified).
  "app/dashboard/organization/actions.ts#createOrganizationAction": "user",
  "app/dashboard/organization/management-keys/actions.ts#createManagementKeyAction": "management_keys.manage",
  "app/dashboard/organization/management-keys/actions.ts#revokeManagementKeyAction": "management_keys.manage",
  // app/dashboard/projects: everyone sees the projects; owners and admins change them.
  "app/dashboard/projects/actions.ts#createProjectAction": "projects.manage",
  "app/dashboard/projects/actions.ts#renameProjectAction": "projects.manage",
  "app/dashboard/projects/actions.ts#setProjectBudgetAction": "projects.manage",
  "app/dashboard/projects/actions.ts#setProjectModelsAction": "projects.manage",
  "app/dashboard/projects/actions.ts#archiveProjectAction": "projects.manage",
  // The invitation page: signing in or out there needs no session; accepting needs the
  // signed-in user to be the invited address (lib/orgs/invites.ts), whatever their roles elsewhere.
  "app/(auth)/invite/[token]/actions.ts#inviteSignInAction": "public",
  "app/(auth)/invite/[token]/actions.ts#inviteSignOutAction": "public",
  "app/(auth)/invite/[token]/actions.ts#acceptInviteAction": "user",
  // The operator's admin page.
  "app/admin/actions.ts#decideTierRequestAction": "operator",
  "app/admin/actions.ts#endUserSessionsAction": "operator",

  // Pages.
  "app/dashboard/(overview)/page.tsx": "org.view",
  "app/dashboard/keys/page.tsx": "keys.own",
  "app/dashboard/playground/page.tsx": "keys.own",
  "app/dashboard/usage/(summary)/page.tsx": "usage.own",
  "app/dashboard/usage/requests/[requestId]/page.tsx": "usage.own",
  "app/dashboard/billing/page.tsx": "billing.manage",
  "app/dashboard/billing/receipts/[paymentIntentId]/page.tsx": "billing.view",
  "app/dashboard/settings/page.tsx": "user",
  "app/dashboard/organization/page.tsx": "org.view",
  "app/dashboard/organization/new/page.tsx": "user",
  "app/dashboard/organization/management-keys/page.tsx": "management_keys.manage",
  "app/dashboard/projects/page.tsx": "org.view",
  // Unknown dashboard URLs answer 404 to anyone signed in.
  "app/dashboard/[...missing]/page.tsx": "user",
  // Routes.
  "app/dashboard/usage/export/route.ts#GET": "usage.own",
};

const ROOT = path.resolve(import.meta.dirname, "../..");

function walk(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "node_modules" && !e.name.startsWith(".")) walk(rel, out);
    } else if (/\.(ts|tsx)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) out.push(rel);
  }
  return out;
}

/** Whether the file starts with the "use server" directive (after comments and blank lines). */
export function isServerActionFile(source: string): boolean {
  const code = source.replace(/^(\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*/, "");
  return /^["']use server["']/.test(code);
}

/** Every exported function of a module's source (actions are async functions, declared or assigned). */
export function exportedFunctions(source: string): string[] {
  const names = new Set<string>();
  for (const m of source.matchAll(/^export\s+(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)/gm)) names.add(m[1]);
  for (const m of source.matchAll(/^export\s+(?:const|let|var)\s+([A-Za-z_$][\w$]*)/gm)) names.add(m[1]);
  for (const m of source.matchAll(/^export\s*\{([^}]*)\}/gm)) {
    for (const part of m[1].split(",")) {
      const name = part
        .trim()
        .split(/\s+as\s+/)
        .pop()
        ?.trim();
      if (name && !name.startsWith("type ")) names.add(name);
    }
  }
  if (/^export\s+default\b/m.test(source)) names.add("default");
  return [...names];
}

const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/**
 * What needs a rule: every export of every "use server" file under app/ and lib/, every
 * page under app/dashboard, and every method of every route handler under app/dashboard.
 */
export function discoverEntries(): string[] {
  const entries: string[] = [];
  for (const file of [...walk("app"), ...walk("lib")]) {
    const source = fs.readFileSync(path.join(ROOT, file), "utf8");
    if (isServerActionFile(source)) for (const name of exportedFunctions(source)) entries.push(`${file}#${name}`);
    if (!file.startsWith("app/dashboard/")) continue;
    if (/\/page\.tsx?$/.test(file)) entries.push(file);
    if (/\/route\.tsx?$/.test(file)) for (const m of exportedFunctions(source).filter((n) => HTTP_METHODS.includes(n))) entries.push(`${file}#${m}`);
  }
  return entries.sort();
}
