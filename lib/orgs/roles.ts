import { ORG_ROLES, type OrgRole } from "@/db/schema";

// What each role of an organization may do (issue 24). Every dashboard page, server action
// and management-API operation names the permission it needs; `can` is the one place the
// answer comes from, and tests/unit/role-matrix.test.ts holds the table below against every
// action in the app (tests/helpers/role-rules.ts names the permission of each action, page
// and route; tests/integration/role-matrix.test.ts runs them as every role).
//
//   owner    everything; an organization always keeps at least one
//   admin    members (not owners), every key, limits, projects, management keys
//   billing  cards, top-ups, receipts, billing details, the whole organization's usage
//   member   their own keys and their own usage; sees the balance

export { ORG_ROLES, type OrgRole };

export const PERMISSIONS = [
  "org.view", // the overview, the balance, the organization's name
  "org.manage", // rename the organization
  "members.view",
  "members.manage", // invite, change roles, remove (owners: only another owner)
  "keys.own", // create, rename, limit and revoke one's own keys
  "keys.manage", // every key of the organization
  "projects.manage", // create projects, budgets, model allowlists
  "usage.own", // usage of one's own keys
  "usage.all", // usage of every key, the CSV export of the organization
  "billing.manage", // cards, top-ups, auto top-up, billing details, budget alerts, the tier request
  "billing.view", // receipts, payment history
  "management_keys.manage",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const ROLE_PERMISSIONS: Record<OrgRole, readonly Permission[]> = {
  owner: PERMISSIONS,
  admin: ["org.view", "members.view", "members.manage", "keys.own", "keys.manage", "projects.manage", "usage.own", "usage.all", "management_keys.manage"],
  billing: ["org.view", "members.view", "usage.own", "usage.all", "billing.manage", "billing.view"],
  member: ["org.view", "members.view", "keys.own", "usage.own"],
};

export function can(role: OrgRole | null | undefined, permission: Permission): boolean {
  return !!role && ROLE_PERMISSIONS[role].includes(permission);
}

export function isOrgRole(value: unknown): value is OrgRole {
  return typeof value === "string" && (ORG_ROLES as readonly string[]).includes(value);
}

export const ROLE_LABELS: Record<OrgRole, string> = { owner: "Owner", admin: "Admin", billing: "Billing", member: "Member" };

/** Refused for want of a role: the page shows it, an action returns it, the API answers 403. */
export class ForbiddenError extends Error {
  constructor(readonly permission: Permission) {
    super(`Your role in this organization does not allow this (${permission}). Ask an owner or admin of the organization.`);
  }
}
