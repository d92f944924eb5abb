import { bigint, index, pgTable, text, timestamp, unique } from "drizzle-orm/pg-core";
import { billingAccounts } from "./accounts";

// Budget alerts: monthly spend thresholds an account sets. When settled usage in a UTC
// calendar month crosses one, the account gets one email and a dashboard banner for it;
// `alertedPeriod` ("2026-11") records that, so each threshold alerts once per month.
export const budgetAlerts = pgTable(
  "budget_alerts",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => billingAccounts.id, { onDelete: "cascade" }),
    thresholdMicroUsd: bigint("threshold_micro_usd", { mode: "bigint" }).notNull(),
    alertedPeriod: text("alerted_period"),
    alertedAt: timestamp("alerted_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique("budget_alerts_account_threshold").on(t.accountId, t.thresholdMicroUsd), index("budget_alerts_account").on(t.accountId)],
);
