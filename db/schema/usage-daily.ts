import { bigint, date, pgTable, text, unique } from "drizzle-orm/pg-core";

// Usage rolled up per account × UTC day × key × model × modality: the sums the usage page,
// the overview and the breakdowns read, so a busy account's 90 days are a few thousand rows
// instead of hundreds of thousands of events (docs/benchmarks.md, "Usage analytics").
//
// Written ONLY by statement-level triggers on usage_events (migration 0010_usage-daily):
// every insert, update or delete of events adds its difference here in the same
// transaction, whatever code path wrote them, so the rollup can never disagree with the
// events (and through them with the usage ledger entries). No application code writes it.
// No foreign keys: the events it is made of already reference the account and key, and
// checking them again on every settle would only add cost.
export const usageDaily = pgTable(
  "usage_daily",
  {
    accountId: text("account_id").notNull(),
    day: date("day", { mode: "string" }).notNull(),
    keyId: text("key_id"),
    model: text("model").notNull(),
    modality: text("modality").notNull(),
    requests: bigint("requests", { mode: "bigint" }).notNull(),
    costMicroUsd: bigint("cost_micro_usd", { mode: "bigint" }).notNull(),
    inputTokens: bigint("input_tokens", { mode: "bigint" }).notNull(),
    outputTokens: bigint("output_tokens", { mode: "bigint" }).notNull(),
    images: bigint("images", { mode: "bigint" }).notNull(),
    videoSeconds: bigint("video_seconds", { mode: "bigint" }).notNull(),
    characters: bigint("characters", { mode: "bigint" }).notNull(),
    audioMs: bigint("audio_ms", { mode: "bigint" }).notNull(),
  },
  // One row per group; events without a key (none today) group under a NULL key, hence
  // NULLS NOT DISTINCT (PostgreSQL 15+). Account and day lead, for the range scans.
  (t) => [unique("usage_daily_group").on(t.accountId, t.day, t.model, t.modality, t.keyId).nullsNotDistinct()],
);
