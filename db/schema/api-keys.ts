import { index, pgTable, text, timestamp, bigint } from "drizzle-orm/pg-core";
import { billingAccounts, users } from "./accounts";
import { projects } from "./organizations";

export const SPEND_LIMIT_PERIODS = ["daily", "weekly", "monthly", "total"] as const;
export type SpendLimitPeriod = (typeof SPEND_LIMIT_PERIODS)[number];

export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => billingAccounts.id),
    createdByUserId: text("created_by_user_id")
      .notNull()
      .references(() => users.id),
    name: text("name").notNull(),
    // The visible start of the secret, e.g. "sk-mt-AbC1", enough to recognise it in a list.
    start: text("start").notNull(),
    // SHA-256 of the whole secret, hex. The secret itself is never stored.
    hash: text("hash").notNull().unique(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    spendLimitMicroUsd: bigint("spend_limit_micro_usd", { mode: "bigint" }),
    spendLimitPeriod: text("spend_limit_period", { enum: SPEND_LIMIT_PERIODS }),
    // The project the key belongs to (issue 24); every key has one (the migration put the
    // existing keys in their account's Default project).
    projectId: text("project_id").references(() => projects.id),
    // Disabled keys are refused like revoked ones but can be enabled again (management API).
    disabledAt: timestamp("disabled_at", { withTimezone: true }),
  },
  (t) => [index("api_keys_account").on(t.accountId), index("api_keys_project").on(t.projectId)],
);
