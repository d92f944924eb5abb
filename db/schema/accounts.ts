import { sql } from "drizzle-orm";
import { bigint, boolean, check, index, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

export const TIERS = ["free", "elevated", "paid"] as const;

// An operator's decision on a user's administrator rights (the CLI's grant-admin /
// revoke-admin; lib/auth/admin.ts). Null: ADMIN_EMAILS decides. Either way, only with a
// verified address.
export const ADMIN_STATUSES = ["granted", "revoked"] as const;
export type AdminStatus = (typeof ADMIN_STATUSES)[number];
export type Tier = (typeof TIERS)[number];

export const users = pgTable("users", {
  id: text("id").primaryKey(),
  // Stored lower-cased; uniqueness is on this column.
  email: text("email").notNull().unique(),
  name: text("name"),
  passwordHash: text("password_hash").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  // Set when the owner followed the emailed verification link (lib/auth/email-tokens.ts);
  // the free credit is granted then, not at sign-up.
  emailVerifiedAt: timestamp("email_verified_at", { withTimezone: true }),
  // The mailbox behind the address (lib/accounts/email-identity.ts): aliases of one mailbox
  // share it. Not unique: several accounts may share one; the free credit goes to the first.
  emailIdentity: text("email_identity"),
  // What became of the free credit once verified: granted, or why not (FREE_CREDIT_OUTCOMES).
  freeCredit: text("free_credit"),
  // Sessions (JWTs) signed in before this instant are refused: password change or reset,
  // "sign out everywhere", an admin action, account deletion (lib/auth/sessions.ts).
  sessionsValidAfter: timestamp("sessions_valid_after", { withTimezone: true }),
  adminStatus: text("admin_status", { enum: ADMIN_STATUSES }),
  // Deleted accounts keep their row (the ledger and usage refer to it); the address is freed.
  deletedAt: timestamp("deleted_at", { withTimezone: true }),
});

export const billingAccounts = pgTable(
  "billing_accounts",
  {
    id: text("id").primaryKey(),
    // An account is an organization (db/schema/organizations.ts): its members and their roles
    // are in organization_members. The owner column is who created it; a person's personal
    // organization (personal = true) is unique per person and receives their free credit.
    ownerUserId: text("owner_user_id")
      .notNull()
      .references(() => users.id),
    name: text("name").notNull().default(""),
    personal: boolean("personal").notNull().default(false),
    tier: text("tier", { enum: TIERS }).notNull().default("free"),
    // Cached sum of ledger_entries.amount_micro_usd for this account; updated in the
    // same transaction as every ledger insert.
    balanceMicroUsd: bigint("balance_micro_usd", { mode: "bigint" })
      .notNull()
      .default(sql`0`),
    // Sum of active reservations. Spendable = balance - reserved, and the database
    // refuses any state where that would go negative.
    reservedMicroUsd: bigint("reserved_micro_usd", { mode: "bigint" })
      .notNull()
      .default(sql`0`),
    // What refunds and disputes of top-ups could not debit because the credit was already
    // spent. While it is above zero the account is frozen (the API answers 402); a top-up
    // pays it back first (lib/ledger/reversals.ts). The balance itself never goes negative.
    owedMicroUsd: bigint("owed_micro_usd", { mode: "bigint" })
      .notNull()
      .default(sql`0`),
    // The promotional part of the balance (free credit, operator grants): Σ of the ledger's
    // promo_micro_usd, updated in the same statement as the balance. Spent first; the rest
    // of the balance is paid credit (lib/ledger/credit-kinds.ts).
    promoMicroUsd: bigint("promo_micro_usd", { mode: "bigint" })
      .notNull()
      .default(sql`0`),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("billing_accounts_personal_owner")
      .on(t.ownerUserId)
      .where(sql`personal`),
    index("billing_accounts_owner").on(t.ownerUserId),
    check("promo_within_balance", sql`${t.promoMicroUsd} >= 0 and ${t.promoMicroUsd} <= ${t.balanceMicroUsd}`),
    check("balance_non_negative", sql`${t.balanceMicroUsd} >= 0`),
    check("reserved_non_negative", sql`${t.reservedMicroUsd} >= 0`),
    check("reserved_within_balance", sql`${t.reservedMicroUsd} <= ${t.balanceMicroUsd}`),
    check("owed_non_negative", sql`${t.owedMicroUsd} >= 0`),
  ],
);

export const authFailures = pgTable(
  "auth_failures",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    // "email:<address>" or "ip:<address>"
    subject: text("subject").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("auth_failures_subject_time").on(t.subject, t.createdAt)],
);
