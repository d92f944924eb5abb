import { describe, expect, it } from "vitest";
import { can, ORG_ROLES, PERMISSIONS, type OrgRole, type Permission } from "@/lib/orgs/roles";
import { discoverEntries, exportedFunctions, isServerActionFile, RULES } from "@/tests/helpers/role-rules";

// The role matrix, statically: every server action and dashboard page/route has a rule
// (a new one without a rule fails here), and the permission table of lib/orgs/roles.ts
// says what issue 24 says each role may do. tests/integration/role-matrix.test.ts runs
// every entry as a user of every role against a real database.

describe("role matrix: every action, page and route has a rule", () => {
  const found = discoverEntries();

  it("finds the app's server actions, pages and routes (the discovery itself works)", () => {
    expect(found).toContain("app/dashboard/keys/actions.ts#createKeyAction");
    expect(found).toContain("lib/tiers/actions.ts#requestElevatedAction");
    expect(found).toContain("app/dashboard/billing/receipts/[paymentIntentId]/page.tsx");
    expect(found).toContain("app/dashboard/usage/export/route.ts#GET");
    expect(found).toContain("app/dashboard/organization/actions.ts#removeMemberAction");
    expect(found).toContain("app/(auth)/invite/[token]/actions.ts#acceptInviteAction");
    expect(found).toContain("app/dashboard/projects/page.tsx");
    expect(found.length).toBeGreaterThanOrEqual(35);
  });

  it("has a rule for each of them", () => {
    const missing = found.filter((e) => !(e in RULES));
    expect(missing, `no rule in tests/helpers/role-rules.ts for: ${missing.join(", ")}`).toEqual([]);
  });

  it("has no rule for something that no longer exists", () => {
    const stale = Object.keys(RULES).filter((e) => !found.includes(e));
    expect(stale).toEqual([]);
  });

  it("names only permissions of lib/orgs/roles.ts (or user / public / operator)", () => {
    for (const [entry, rule] of Object.entries(RULES)) {
      expect(["user", "public", "operator", ...PERMISSIONS], entry).toContain(rule);
    }
  });

  it("would catch an action added without a rule", () => {
    const source = `// a comment\n"use server";\nexport type S = 1;\nexport async function newAction() {}\nexport const other = async () => {};\n`;
    expect(isServerActionFile(source)).toBe(true);
    expect(exportedFunctions(source).sort()).toEqual(["newAction", "other"]);
    expect(isServerActionFile(`import x from "y";\n"use server";`)).toBe(false);
  });
});

// What issue 24 says each role may do, written out here independently of lib/orgs/roles.ts:
//   owner (everything), admin (members, keys, limits), billing (cards, top-ups, receipts,
//   usage), member (own keys and usage; sees the balance).
const EXPECTED: Record<OrgRole, Permission[]> = {
  owner: [...PERMISSIONS],
  admin: ["org.view", "members.view", "members.manage", "keys.own", "keys.manage", "projects.manage", "usage.own", "usage.all", "management_keys.manage"],
  billing: ["org.view", "members.view", "usage.own", "usage.all", "billing.manage", "billing.view"],
  member: ["org.view", "members.view", "keys.own", "usage.own"],
};

describe("role matrix: the permission table", () => {
  for (const role of ORG_ROLES) {
    for (const permission of PERMISSIONS) {
      const allowed = EXPECTED[role].includes(permission);
      it(`${role} ${allowed ? "may" : "may not"} ${permission}`, () => {
        expect(can(role, permission)).toBe(allowed);
      });
    }
  }

  it("refuses everything without a role", () => {
    for (const p of PERMISSIONS) {
      expect(can(null, p)).toBe(false);
      expect(can(undefined, p)).toBe(false);
    }
  });

  it("gives each dashboard page to the roles the issue names", () => {
    const pageRoles = (file: string) => ORG_ROLES.filter((r) => RULES[file] === "user" || can(r, RULES[file] as Permission));
    // Every role sees the balance; only owner and billing see the billing pages; the billing
    // role has no keys; everyone sees (their) usage.
    expect(pageRoles("app/dashboard/(overview)/page.tsx")).toEqual(["owner", "admin", "billing", "member"]);
    expect(pageRoles("app/dashboard/billing/page.tsx")).toEqual(["owner", "billing"]);
    expect(pageRoles("app/dashboard/billing/receipts/[paymentIntentId]/page.tsx")).toEqual(["owner", "billing"]);
    expect(pageRoles("app/dashboard/keys/page.tsx")).toEqual(["owner", "admin", "member"]);
    expect(pageRoles("app/dashboard/usage/(summary)/page.tsx")).toEqual(["owner", "admin", "billing", "member"]);
    expect(pageRoles("app/dashboard/settings/page.tsx")).toEqual(["owner", "admin", "billing", "member"]);
    // Issue 24's own pages: everyone sees the organization and its projects; owners and
    // admins manage the management keys.
    expect(pageRoles("app/dashboard/organization/page.tsx")).toEqual(["owner", "admin", "billing", "member"]);
    expect(pageRoles("app/dashboard/projects/page.tsx")).toEqual(["owner", "admin", "billing", "member"]);
    expect(pageRoles("app/dashboard/organization/management-keys/page.tsx")).toEqual(["owner", "admin"]);
  });
});
