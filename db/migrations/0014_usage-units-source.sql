ALTER TABLE "usage_events" ADD COLUMN "units_source" text;--> statement-breakpoint
ALTER TABLE "usage_events" ADD COLUMN "billing_state" text DEFAULT 'billed' NOT NULL;--> statement-breakpoint
-- hand-written: events recorded before billing_state existed get the state their columns imply (a request that did not finish is "partial" if it was charged, "free" if not). units_source stays null on them: where their units came from was not kept.
UPDATE "usage_events" SET "billing_state" = CASE WHEN "cost_micro_usd" > 0 THEN 'partial' ELSE 'free' END WHERE "status" <> 'ok' OR "aborted";
