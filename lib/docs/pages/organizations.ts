import { SIGNUP_CREDIT_MICRO_USD } from "@/lib/accounts";
import { formatUsd } from "@/lib/money";
import { INVITE_TTL_MS } from "@/lib/orgs/invites";
import { can, ORG_ROLES, ROLE_LABELS } from "@/lib/orgs/roles";
import { code, h2, link, p, strong, type Block, type DocPageSource } from "../types";

// The role table below is read from lib/orgs/roles.ts, the table every page and action is
// checked against, so this page changes when who-may-do-what does.

const ABILITIES = [
  ["See the balance and the organization's overview", "org.view"],
  ["Rename the organization, change its tier", "org.manage"],
  ["Invite members, change roles, remove members", "members.manage"],
  ["Create and revoke their own API keys", "keys.own"],
  ["Manage every API key of the organization", "keys.manage"],
  ["Projects: create, budgets, model allowlists", "projects.manage"],
  ["Usage of their own keys", "usage.own"],
  ["Usage of every key, CSV export", "usage.all"],
  ["Cards, top-ups, auto top-up, billing details", "billing.manage"],
  ["Receipts and payment history", "billing.view"],
  ["Management API keys", "management_keys.manage"],
] as const;

const inviteDays = () => Math.round(INVITE_TTL_MS / 86_400_000);

function roleTable(): Block {
  return {
    kind: "table",
    testId: "roles-table",
    head: ["Action", ...ORG_ROLES.map((r) => ROLE_LABELS[r])],
    rows: ABILITIES.map(([label, permission]) => [[label], ...ORG_ROLES.map((r) => [can(r, permission) ? "yes" : "—"])]),
  };
}

export const organizations: DocPageSource = {
  slug: "organizations",
  title: "Organizations and members",
  summary: () =>
    `Credit, keys and usage belong to an organization; everyone has a personal one, can create more and invite members by email with the roles owner, admin, billing or member.`,
  blocks: () => [
    p(
      "On Metered the money belongs to an ",
      strong("organization"),
      ": its balance, billing history, tier, cards, top-ups, receipts, API keys and usage. Every request made with one of its keys is paid from its balance, whoever created the key.",
    ),
    p(
      "When you sign up you get your ",
      strong("personal organization"),
      `; the ${formatUsd(SIGNUP_CREDIT_MICRO_USD)} of free credit goes there, once per person. You can create more organizations (for a team, a client, a product) from the menu at the top of the dashboard, once your address is verified. They start at $0.00: add credit on their Billing page. The same menu switches between the organizations you belong to, showing your role in each.`,
    ),
    h2("Roles"),
    p(
      "Each member has one role. An organization always keeps at least one ",
      strong("owner"),
      "; only owners make someone an owner or remove an owner, and nobody can be removed from their own personal organization.",
    ),
    roleTable(),
    h2("Inviting members"),
    p(
      "Owners and admins invite by email from ",
      strong("Organization"),
      " in the dashboard, choosing the role. We email a link that works once and expires after ",
      strong(`${inviteDays()} days`),
      ". To accept, the person signs in, or signs up and verifies, with exactly that address, then follows the link. Pending invitations can be sent again (with a new link) or withdrawn.",
    ),
    h2("Removing a member"),
    p(
      "Removing a member (or a member leaving) revokes, at once, every API key they created in that organization: the next request with one of them gets ",
      code("401"),
      ". Their management keys there are revoked too, as they are when an owner or admin is made a billing member or a member. Their keys in other organizations are not affected, and the organization's credit stays where it is.",
    ),
    p(
      "Deleting one's account leaves every organization the same way. The last owner of an organization cannot delete their account until they make another member an owner.",
    ),
    p(
      "Keys belong to a project inside the organization (a ",
      code("Default"),
      " project always exists). ",
      link("GET /v1/credits", "/docs/api-reference/credits"),
      " answers for the organization that owns the key.",
    ),
  ],
};
