CREATE TABLE "auto_topup_settings" (
	"account_id" text PRIMARY KEY NOT NULL,
	"enabled" boolean DEFAULT false NOT NULL,
	"threshold_micro_usd" bigint NOT NULL,
	"amount_micro_usd" bigint NOT NULL,
	"payment_method_id" text,
	"in_flight" boolean DEFAULT false NOT NULL,
	"in_flight_since" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_outcome" text,
	"last_message" text,
	"last_payment_intent_id" text,
	"last_attempt_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "auto_topup_threshold_non_negative" CHECK ("auto_topup_settings"."threshold_micro_usd" >= 0),
	CONSTRAINT "auto_topup_amount_positive" CHECK ("auto_topup_settings"."amount_micro_usd" > 0)
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"payment_intent_id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"source" text NOT NULL,
	"status" text NOT NULL,
	"amount_micro_usd" bigint NOT NULL,
	"amount_received_micro_usd" bigint DEFAULT 0 NOT NULL,
	"failure_code" text,
	"failure_message" text,
	"credited_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stripe_customers" (
	"account_id" text PRIMARY KEY NOT NULL,
	"customer_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stripe_customers_customer_id_unique" UNIQUE("customer_id")
);
--> statement-breakpoint
CREATE TABLE "stripe_events" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"object_id" text,
	"handled_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "auto_topup_settings" ADD CONSTRAINT "auto_topup_settings_account_id_billing_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."billing_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_account_id_billing_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."billing_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stripe_customers" ADD CONSTRAINT "stripe_customers_account_id_billing_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."billing_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "payments_account_time" ON "payments" USING btree ("account_id","created_at");