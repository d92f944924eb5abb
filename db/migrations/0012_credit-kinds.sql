CREATE TABLE "credit_lots" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "credit_lots_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"account_id" text NOT NULL,
	"reference" text NOT NULL,
	"amount_micro_usd" bigint NOT NULL,
	"remaining_micro_usd" bigint NOT NULL,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credit_lots_reference_unique" UNIQUE("reference"),
	CONSTRAINT "lot_remaining_range" CHECK ("credit_lots"."remaining_micro_usd" >= 0 and "credit_lots"."remaining_micro_usd" <= "credit_lots"."amount_micro_usd")
);
--> statement-breakpoint
ALTER TABLE "billing_accounts" ADD COLUMN "promo_micro_usd" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD COLUMN "credit_kind" text;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD COLUMN "promo_micro_usd" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "credit_lots" ADD CONSTRAINT "credit_lots_account_id_billing_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."billing_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "credit_lots_open" ON "credit_lots" USING btree ("account_id","expires_at") WHERE "credit_lots"."remaining_micro_usd" > 0;--> statement-breakpoint
CREATE INDEX "credit_lots_expiry" ON "credit_lots" USING btree ("expires_at") WHERE "credit_lots"."remaining_micro_usd" > 0;--> statement-breakpoint
ALTER TABLE "billing_accounts" ADD CONSTRAINT "promo_within_balance" CHECK ("billing_accounts"."promo_micro_usd" >= 0 and "billing_accounts"."promo_micro_usd" <= "billing_accounts"."balance_micro_usd");--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "credit_kind_on_credits" CHECK ("ledger_entries"."credit_kind" is null or "ledger_entries"."amount_micro_usd" >= 0);--> statement-breakpoint
-- hand-written: backfill of credit kinds for rows written before kinds existed. Positive grants
-- are promotional (the free credit, operator grants), every other positive entry (top-ups, won
-- disputes, positive adjustments) is paid. The ledger's append-only trigger is paused for these
-- two UPDATEs only (they fill the new columns; amounts and balances are not touched).
ALTER TABLE "ledger_entries" DISABLE TRIGGER "ledger_entries_no_update_delete";--> statement-breakpoint
UPDATE "ledger_entries" SET "credit_kind" = 'promotional', "promo_micro_usd" = "amount_micro_usd" WHERE "kind" = 'grant' AND "amount_micro_usd" > 0;--> statement-breakpoint
UPDATE "ledger_entries" SET "credit_kind" = 'paid' WHERE "kind" <> 'grant' AND "amount_micro_usd" > 0;--> statement-breakpoint
ALTER TABLE "ledger_entries" ENABLE TRIGGER "ledger_entries_no_update_delete";--> statement-breakpoint
-- hand-written: what is left of each account's promotional credit. Usage so far is taken to have
-- spent promotional credit first (the rule from now on), capped by the balance (refunds and
-- disputes took from the whole balance before). The promotional credit already spent is
-- recorded by one zero-amount `adjustment` entry per account (its promo_micro_usd), so that
-- Σ ledger promo_micro_usd = billing_accounts.promo_micro_usd holds from the first day.
WITH per AS (
  SELECT a."id", a."balance_micro_usd" AS balance,
         coalesce((SELECT sum(e."amount_micro_usd") FROM "ledger_entries" e WHERE e."account_id" = a."id" AND e."kind" = 'grant' AND e."amount_micro_usd" > 0), 0)::bigint AS granted,
         coalesce((SELECT sum(e."amount_micro_usd") FROM "ledger_entries" e WHERE e."account_id" = a."id" AND e."kind" = 'usage'), 0)::bigint AS used
    FROM "billing_accounts" a),
left_over AS (
  SELECT "id", balance, granted, least(balance, greatest(0, granted + used))::bigint AS promo FROM per WHERE granted > 0),
acct AS (
  UPDATE "billing_accounts" a SET "promo_micro_usd" = l.promo FROM left_over l WHERE a."id" = l."id" RETURNING a."id")
INSERT INTO "ledger_entries" ("account_id", "kind", "amount_micro_usd", "balance_after_micro_usd", "reference", "description", "promo_micro_usd", "metadata")
SELECT l."id", 'adjustment', 0, l.balance, 'credit-kinds-backfill:' || l."id",
       'Promotional credit spent before credit kinds were recorded', l.promo - l.granted,
       jsonb_build_object('backfill', 'credit-kinds')
  FROM left_over l JOIN acct ON acct."id" = l."id"
 WHERE l.promo <> l.granted;--> statement-breakpoint
-- hand-written: one lot per promotional grant; existing grants expire 365 days after they were
-- made (the FREE_CREDIT_EXPIRES_DAYS default). The promotional credit left is held by the lots
-- that expire last (what was spent was taken soonest expiry first).
INSERT INTO "credit_lots" ("account_id", "reference", "amount_micro_usd", "remaining_micro_usd", "expires_at", "created_at")
SELECT x."account_id", x."reference", x."amount_micro_usd",
       least(x."amount_micro_usd", greatest(0, x.promo - x.later))::bigint,
       x."created_at" + interval '365 days', x."created_at"
  FROM (SELECT e."account_id", e."reference", e."amount_micro_usd", e."created_at", a."promo_micro_usd" AS promo,
               coalesce(sum(e."amount_micro_usd") OVER (PARTITION BY e."account_id" ORDER BY e."created_at" DESC, e."id" DESC
                                                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS later
          FROM "ledger_entries" e JOIN "billing_accounts" a ON a."id" = e."account_id"
         WHERE e."kind" = 'grant' AND e."amount_micro_usd" > 0) x;
