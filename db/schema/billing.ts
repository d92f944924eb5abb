import { sql } from "drizzle-orm";
import { bigint, boolean, check, index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { billingAccounts } from "./accounts";

// Stripe-side state of billing accounts. Money here is micro-USD like everywhere else in
// the database; Stripe's cents exist only in lib/billing where requests are built.

/** One Stripe customer per billing account, created once (idempotency key from the account id). */
export const stripeCustomers = pgTable("stripe_customers", {
  accountId: text("account_id")
    .primaryKey()
    .references(() => billingAccounts.id),
  customerId: text("customer_id").notNull().unique(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const PAYMENT_STATUSES = ["processing", "requires_action", "succeeded", "failed", "canceled"] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
export const PAYMENT_SOURCES = ["manual", "auto"] as const;
export type PaymentSource = (typeof PAYMENT_SOURCES)[number];

/**
 * Our record of each PaymentIntent for a top-up, for the billing page and support. The
 * money itself moves only in ledger_entries (reference = the PaymentIntent id). A status
 * never goes back from succeeded: late or out-of-order failure events leave it alone.
 */
export const payments = pgTable(
  "payments",
  {
    paymentIntentId: text("payment_intent_id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => billingAccounts.id),
    source: text("source", { enum: PAYMENT_SOURCES }).notNull(),
    status: text("status", { enum: PAYMENT_STATUSES }).notNull(),
    amountMicroUsd: bigint("amount_micro_usd", { mode: "bigint" }).notNull(),
    /** What Stripe says it received; the only amount ever credited. */
    amountReceivedMicroUsd: bigint("amount_received_micro_usd", { mode: "bigint" })
      .notNull()
      .default(sql`0`),
    failureCode: text("failure_code"),
    failureMessage: text("failure_message"),
    creditedAt: timestamp("credited_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("payments_account_time").on(t.accountId, t.createdAt)],
);

/**
 * Webhook events already handled. Inserted in the same transaction as the work the event
 * causes (the credit), so an event whose work failed is not marked and is redone when
 * Stripe redelivers it.
 */
export const stripeEvents = pgTable("stripe_events", {
  id: text("id").primaryKey(),
  type: text("type").notNull(),
  objectId: text("object_id"),
  handledAt: timestamp("handled_at", { withTimezone: true }).notNull().defaultNow(),
});

export const AUTO_TOPUP_OUTCOMES = ["succeeded", "declined", "authentication_required", "error"] as const;
export type AutoTopUpOutcome = (typeof AUTO_TOPUP_OUTCOMES)[number];

/**
 * Auto top-up: when a settled request leaves the balance below the threshold, charge the
 * saved card off-session for amount. `in_flight` is the once-per-crossing guard: only the
 * settle whose conditional UPDATE flips it from false to true charges.
 */
export const autoTopUpSettings = pgTable(
  "auto_topup_settings",
  {
    accountId: text("account_id")
      .primaryKey()
      .references(() => billingAccounts.id),
    enabled: boolean("enabled").notNull().default(false),
    thresholdMicroUsd: bigint("threshold_micro_usd", { mode: "bigint" }).notNull(),
    amountMicroUsd: bigint("amount_micro_usd", { mode: "bigint" }).notNull(),
    /** The saved card to charge; null means the customer's most recently added card. */
    paymentMethodId: text("payment_method_id"),
    inFlight: boolean("in_flight").notNull().default(false),
    inFlightSince: timestamp("in_flight_since", { withTimezone: true }),
    /** Counts attempts; part of each attempt's Stripe idempotency key. */
    attempts: integer("attempts").notNull().default(0),
    lastOutcome: text("last_outcome", { enum: AUTO_TOPUP_OUTCOMES }),
    lastMessage: text("last_message"),
    lastPaymentIntentId: text("last_payment_intent_id"),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check("auto_topup_threshold_non_negative", sql`${t.thresholdMicroUsd} >= 0`), check("auto_topup_amount_positive", sql`${t.amountMicroUsd} > 0`)],
);
