import { bigint, index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { billingAccounts } from "./accounts";
import { apiKeys } from "./api-keys";

// /v1 requests refused before any credit was reserved (400, 402, 404, 429 …), so the
// request log can show them. No money: they never touch the ledger or usage_events (whose
// rows are the billed requests). Written in coalesced batches (lib/usage/failed-requests.ts):
// identical refusals of one key within a flush window share one row, `count` of them,
// so a 429 storm is a handful of rows, not one per request.
export const failedRequests = pgTable(
  "failed_requests",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    /** The first request of the coalesced group (each answer carried its own x-request-id). */
    requestId: text("request_id").notNull(),
    accountId: text("account_id")
      .notNull()
      .references(() => billingAccounts.id, { onDelete: "cascade" }),
    keyId: text("key_id").references(() => apiKeys.id, { onDelete: "set null" }),
    method: text("method").notNull(),
    path: text("path").notNull(),
    /** The model the request asked for, when it got as far as naming a known one. */
    model: text("model"),
    httpStatus: integer("http_status").notNull(),
    /** The OpenAI-shape error code ("rate_limit_exceeded", "insufficient_quota", …). */
    code: text("code").notNull(),
    message: text("message").notNull(),
    count: integer("count").notNull().default(1),
    /** When the first request of the group arrived. */
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    lastAt: timestamp("last_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("failed_requests_account_time").on(t.accountId, t.createdAt)],
);

export type FailedRequestRow = typeof failedRequests.$inferSelect;
