CREATE TABLE "email_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"purpose" text NOT NULL,
	"token_hash" text NOT NULL,
	"new_email" text,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "email_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "free_credit_days" (
	"day" text PRIMARY KEY NOT NULL,
	"grants" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "free_credit_grants" (
	"identity" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"granted_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "email_verified_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "email_identity" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "free_credit" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "sessions_valid_after" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "email_tokens" ADD CONSTRAINT "email_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "free_credit_grants" ADD CONSTRAINT "free_credit_grants_account_id_billing_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."billing_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "email_tokens_user_purpose" ON "email_tokens" USING btree ("user_id","purpose","created_at");--> statement-breakpoint
-- Accounts created before verification existed got their free credit at sign-up: record
-- that, so verifying later grants nothing more (the grant's reference is the same anyway).
UPDATE "users" u SET "free_credit" = 'granted', "email_identity" = lower(u."email")
FROM "billing_accounts" ba
WHERE ba."owner_user_id" = u."id"
  AND EXISTS (SELECT 1 FROM "ledger_entries" le WHERE le."reference" = 'signup-credit:' || ba."id");--> statement-breakpoint
INSERT INTO "free_credit_grants" ("identity", "account_id", "granted_at")
SELECT DISTINCT ON (u."email_identity") u."email_identity", ba."id", u."created_at"
FROM "users" u JOIN "billing_accounts" ba ON ba."owner_user_id" = u."id"
WHERE u."free_credit" = 'granted'
ORDER BY u."email_identity", u."created_at"
ON CONFLICT DO NOTHING;
