CREATE TABLE "tier_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"requested_by_user_id" text NOT NULL,
	"requested_tier" text NOT NULL,
	"reason" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"decided_by_user_id" text,
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tier_requests_decided_iff_not_pending" CHECK (("tier_requests"."status" = 'pending') = ("tier_requests"."decided_at" is null))
);
--> statement-breakpoint
ALTER TABLE "tier_requests" ADD CONSTRAINT "tier_requests_account_id_billing_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."billing_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tier_requests" ADD CONSTRAINT "tier_requests_requested_by_user_id_users_id_fk" FOREIGN KEY ("requested_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tier_requests" ADD CONSTRAINT "tier_requests_decided_by_user_id_users_id_fk" FOREIGN KEY ("decided_by_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "tier_requests_one_pending" ON "tier_requests" USING btree ("account_id") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "tier_requests_account_time" ON "tier_requests" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE INDEX "tier_requests_status_time" ON "tier_requests" USING btree ("status","created_at");