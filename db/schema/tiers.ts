import { sql } from "drizzle-orm";
import { check, index, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { billingAccounts, TIERS, users } from "./accounts";

export const TIER_REQUEST_STATUSES = ["pending", "approved", "declined"] as const;
export type TierRequestStatus = (typeof TIER_REQUEST_STATUSES)[number];

// A user's request for a higher tier (today only Elevated; Paid comes from a payment).
// One pending request per account is enforced by a partial unique index, so two clicks
// racing each other cannot both insert. Decided rows are kept as history.
export const tierRequests = pgTable(
  "tier_requests",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => billingAccounts.id),
    requestedByUserId: text("requested_by_user_id")
      .notNull()
      .references(() => users.id),
    requestedTier: text("requested_tier", { enum: TIERS }).notNull(),
    reason: text("reason").notNull(),
    status: text("status", { enum: TIER_REQUEST_STATUSES }).notNull().default("pending"),
    // The admin who decided, and when; both null while pending.
    decidedByUserId: text("decided_by_user_id").references(() => users.id),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("tier_requests_one_pending")
      .on(t.accountId)
      .where(sql`status = 'pending'`),
    index("tier_requests_account_time").on(t.accountId, t.createdAt),
    index("tier_requests_status_time").on(t.status, t.createdAt),
    check("tier_requests_decided_iff_not_pending", sql`(${t.status} = 'pending') = (${t.decidedAt} is null)`),
  ],
);

export type TierRequest = typeof tierRequests.$inferSelect;
