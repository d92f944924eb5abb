import { sql } from "drizzle-orm";
import { bigint, boolean, check, index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { billingAccounts } from "./accounts";
import { apiKeys } from "./api-keys";

// refund / dispute: a top-up Stripe gave back to the card or that the cardholder disputed,
// debited again (lib/ledger/reversals.ts); recovery: what such a debit could not take
// (the credit was spent) paid back from a later top-up. A dispute the merchant won is
// given back as a second `dispute` entry, positive (metadata.reinstates names the reversal,
// reference `dispute_won:<dispute id>`). expiry: promotional credit that reached its
// expiry date, taken back (lib/ledger/credit-kinds.ts). No CHECK on kind in the database:
// this list is it.
export const LEDGER_KINDS = ["grant", "topup", "usage", "refund", "dispute", "recovery", "adjustment", "expiry"] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

// What a credit (a positive entry) is: promotional (the free credit, operator grants; spent
// first, may expire) or paid (top-ups, auto top-ups, won disputes, positive adjustments;
// the only credit refunds and disputes take back). Null on debits.
export const CREDIT_KINDS = ["promotional", "paid"] as const;
export type CreditKind = (typeof CREDIT_KINDS)[number];

// Append-only: rows are inserted, never updated or deleted. The database enforces it
// with a trigger (see the migration "ledger-append-only").
export const ledgerEntries = pgTable(
  "ledger_entries",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    accountId: text("account_id")
      .notNull()
      .references(() => billingAccounts.id),
    kind: text("kind", { enum: LEDGER_KINDS }).notNull(),
    // Signed: credits are positive, usage is negative.
    amountMicroUsd: bigint("amount_micro_usd", { mode: "bigint" }).notNull(),
    balanceAfterMicroUsd: bigint("balance_after_micro_usd", { mode: "bigint" }).notNull(),
    // Globally unique: "signup:<user id>", a request id, a PaymentIntent id, ...
    // Replaying the same money movement hits this constraint and becomes a no-op.
    reference: text("reference").notNull().unique(),
    description: text("description").notNull(),
    requestId: text("request_id"),
    metadata: jsonb("metadata"),
    creditKind: text("credit_kind", { enum: CREDIT_KINDS }),
    // Of amount_micro_usd, the signed part that moved promotional credit: the whole amount
    // of a promotional grant or an expiry, the promotional part a usage debit spent, 0 for
    // paid credit. Σ over an account = billing_accounts.promo_micro_usd.
    promoMicroUsd: bigint("promo_micro_usd", { mode: "bigint" })
      .notNull()
      .default(sql`0`),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("ledger_account_time").on(t.accountId, t.createdAt), check("credit_kind_on_credits", sql`${t.creditKind} is null or ${t.amountMicroUsd} >= 0`)],
);

// Promotional credit lots: one per promotional grant, with its expiry. `remaining` is exact
// after every materialisation (each grant and expiry, under the account row lock); between
// them usage only lowers billing_accounts.promo_micro_usd, and what it spent is taken from
// the lots soonest expiry first when the lots are next read (lib/ledger/credit-kinds.ts).
export const creditLots = pgTable(
  "credit_lots",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    accountId: text("account_id")
      .notNull()
      .references(() => billingAccounts.id),
    // The grant's ledger reference.
    reference: text("reference").notNull().unique(),
    amountMicroUsd: bigint("amount_micro_usd", { mode: "bigint" }).notNull(),
    remainingMicroUsd: bigint("remaining_micro_usd", { mode: "bigint" }).notNull(),
    // Null: never expires.
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check("lot_remaining_range", sql`${t.remainingMicroUsd} >= 0 and ${t.remainingMicroUsd} <= ${t.amountMicroUsd}`),
    index("credit_lots_open")
      .on(t.accountId, t.expiresAt)
      .where(sql`${t.remainingMicroUsd} > 0`),
    index("credit_lots_expiry")
      .on(t.expiresAt)
      .where(sql`${t.remainingMicroUsd} > 0`),
  ],
);

// A hold on spendable credit while a request runs. Deleted when settled or released;
// rows past expires_at belong to a crashed process and are released by the sweeper.
export const reservations = pgTable(
  "reservations",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => billingAccounts.id),
    keyId: text("key_id").references(() => apiKeys.id),
    requestId: text("request_id").notNull().unique(),
    amountMicroUsd: bigint("amount_micro_usd", { mode: "bigint" }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [check("reservation_positive", sql`${t.amountMicroUsd} >= 0`), index("reservations_expiry").on(t.expiresAt)],
);

export const usageEvents = pgTable(
  "usage_events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    requestId: text("request_id").notNull().unique(),
    accountId: text("account_id")
      .notNull()
      .references(() => billingAccounts.id),
    keyId: text("key_id").references(() => apiKeys.id),
    model: text("model").notNull(),
    modality: text("modality").notNull(),
    inputTokens: bigint("input_tokens", { mode: "number" }).notNull().default(0),
    outputTokens: bigint("output_tokens", { mode: "number" }).notNull().default(0),
    images: integer("images").notNull().default(0),
    videoSeconds: integer("video_seconds").notNull().default(0),
    characters: bigint("characters", { mode: "number" }).notNull().default(0),
    audioMs: bigint("audio_ms", { mode: "number" }).notNull().default(0),
    costMicroUsd: bigint("cost_micro_usd", { mode: "bigint" }).notNull(),
    status: text("status").notNull(),
    httpStatus: integer("http_status").notNull(),
    latencyMs: integer("latency_ms").notNull(),
    aborted: boolean("aborted").notNull().default(false),
    // Of input_tokens, those the provider served from its prompt cache (billed at the model's
    // cached-input price); of output_tokens, the model's reasoning. As the provider reported.
    cachedInputTokens: bigint("cached_input_tokens", { mode: "number" }).notNull().default(0),
    reasoningTokens: bigint("reasoning_tokens", { mode: "number" }).notNull().default(0),
    // Upstream models: the provider that served (or last failed) and how many providers were
    // tried (fallback); null/0 for the built-in simulators. error_code: our error code when
    // the request failed (e.g. provider_rate_limited), null when it succeeded.
    provider: text("provider"),
    providerAttempts: integer("provider_attempts").notNull().default(0),
    errorCode: text("error_code"),
    // What the provider that answered charges us for this request: its reported units × the
    // model's configured `cost` (lib/billing/provider-cost.ts), computed at settle. Null when
    // no cost is configured (and for the built-in simulators). For the margin report.
    providerCostMicroUsd: bigint("provider_cost_micro_usd", { mode: "bigint" }),
    // Where the units came from: "provider" (its reported usage, or a simulator's own count)
    // or "estimate" (no usage reported: our tokenizer's count was billed). Null on events
    // recorded before it was kept. billing_state: "billed", "partial" (a stream cut short:
    // what was delivered), "free" (released before any model work: nothing charged).
    unitsSource: text("units_source"),
    billingState: text("billing_state").notNull().default("billed"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The usage page, overview and export read one account's events over a time range and
    // aggregate them. Carrying the aggregated columns in the index key lets PostgreSQL
    // answer those scans from the index alone (index-only scan) instead of visiting heap
    // pages that are shared with every other account's traffic. drizzle-kit cannot emit
    // INCLUDE, so they are trailing key columns; the leading (account_id, created_at)
    // prefix also serves everything the former usage_account_time index did.
    index("usage_account_time_cover").on(
      t.accountId,
      t.createdAt,
      t.model,
      t.modality,
      t.keyId,
      t.costMicroUsd,
      t.inputTokens,
      t.outputTokens,
      t.images,
      t.videoSeconds,
      t.characters,
      t.audioMs,
    ),
    index("usage_key_time").on(t.keyId, t.createdAt),
  ],
);
