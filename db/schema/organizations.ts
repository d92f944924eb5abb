import { bigint, index, pgTable, primaryKey, text, timestamp, unique } from "drizzle-orm/pg-core";
import { billingAccounts, users } from "./accounts";

// Organizations (issue 24). An organization IS a billing account (billing_accounts): the
// balance, ledger, tier, cards, top-ups, keys and usage were already the account's, so
// making accounts shareable moved no money and changed no foreign key. These tables add
// who belongs to it and with which role, invitations, projects and management keys.
// Owned by lib/orgs (members, invites), lib/projects (projects), lib/management (keys).

/** owner: everything (one always remains); admin: members, keys, limits; billing: cards,
 * top-ups, receipts, usage; member: their own keys and usage, sees the balance. */
export const ORG_ROLES = ["owner", "admin", "billing", "member"] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

export const organizationMembers = pgTable(
  "organization_members",
  {
    accountId: text("account_id")
      .notNull()
      .references(() => billingAccounts.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    role: text("role", { enum: ORG_ROLES }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.userId] }), index("organization_members_user").on(t.userId)],
);

export const organizationInvites = pgTable(
  "organization_invites",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => billingAccounts.id),
    // Lower-cased; only a user signed in with this address may accept.
    email: text("email").notNull(),
    role: text("role", { enum: ORG_ROLES }).notNull(),
    // SHA-256 of the emailed single-use token; the token itself is never stored.
    tokenHash: text("token_hash").notNull().unique(),
    invitedByUserId: text("invited_by_user_id")
      .notNull()
      .references(() => users.id),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    acceptedAt: timestamp("accepted_at", { withTimezone: true }),
    acceptedByUserId: text("accepted_by_user_id").references(() => users.id),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("organization_invites_account").on(t.accountId)],
);

export const projects = pgTable(
  "projects",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => billingAccounts.id),
    name: text("name").notNull(),
    // Optional monthly budget (UTC calendar month), micro-USD; null: none.
    monthlyBudgetMicroUsd: bigint("monthly_budget_micro_usd", { mode: "bigint" }),
    // Optional model allowlist (catalog model ids); null: every model.
    allowedModels: text("allowed_models").array(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    archivedAt: timestamp("archived_at", { withTimezone: true }),
  },
  (t) => [unique("projects_account_name").on(t.accountId, t.name), index("projects_account").on(t.accountId)],
);

export const managementKeys = pgTable(
  "management_keys",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => billingAccounts.id),
    createdByUserId: text("created_by_user_id")
      .notNull()
      .references(() => users.id),
    name: text("name").notNull(),
    // The visible start of the secret, enough to recognise it in a list.
    start: text("start").notNull(),
    // SHA-256 of the whole secret, hex. The secret itself is never stored.
    hash: text("hash").notNull().unique(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("management_keys_account").on(t.accountId)],
);
