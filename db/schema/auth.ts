import { index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { billingAccounts, users } from "./accounts";

export const EMAIL_TOKEN_PURPOSES = ["verify_email", "reset_password", "change_email"] as const;
export type EmailTokenPurpose = (typeof EMAIL_TOKEN_PURPOSES)[number];

// Links sent by email (verify the address, reset the password, confirm a new address).
// Only the SHA-256 of the random token is stored; a row is used once (used_at) and expires.
export const emailTokens = pgTable(
  "email_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    purpose: text("purpose", { enum: EMAIL_TOKEN_PURPOSES }).notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    // For change_email: the address that takes effect when the link is followed.
    newEmail: text("new_email"),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("email_tokens_user_purpose").on(t.userId, t.purpose, t.createdAt)],
);

// One row per mailbox identity that has had the free credit: the primary key is what makes
// the grant once per person, also under concurrent verifications of two aliases.
export const freeCreditGrants = pgTable("free_credit_grants", {
  identity: text("identity").primaryKey(),
  accountId: text("account_id")
    .notNull()
    .references(() => billingAccounts.id),
  grantedAt: timestamp("granted_at", { withTimezone: true }).notNull().defaultNow(),
});

// Free grants per UTC day, for FREE_GRANTS_PER_DAY: a conditional increment of this row
// is the cap, so concurrent verifications cannot overshoot it.
export const freeCreditDays = pgTable("free_credit_days", {
  day: text("day").primaryKey(),
  grants: integer("grants").notNull().default(0),
});
