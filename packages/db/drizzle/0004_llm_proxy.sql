CREATE TABLE "llm_organization_budgets" (
	"organization_id" text PRIMARY KEY NOT NULL,
	"monthly_budget_nano_usd" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "llm_spend" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "llm_spend_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"organization_id" text NOT NULL,
	"key_id" uuid,
	"session_id" uuid,
	"model" text NOT NULL,
	"deployment" text NOT NULL,
	"requests" integer NOT NULL,
	"input_tokens" bigint NOT NULL,
	"output_tokens" bigint NOT NULL,
	"cache_read_tokens" bigint NOT NULL,
	"cache_write_tokens" bigint NOT NULL,
	"cost_nano_usd" bigint NOT NULL,
	"first_request_at" timestamp with time zone NOT NULL,
	"last_request_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "llm_virtual_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" text NOT NULL,
	"session_id" uuid,
	"name" text NOT NULL,
	"key_hash" text NOT NULL,
	"key_prefix" text NOT NULL,
	"allowed_models" text[],
	"budget_nano_usd" bigint,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "llm_organization_budgets" ADD CONSTRAINT "llm_organization_budgets_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "llm_spend" ADD CONSTRAINT "llm_spend_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "llm_spend" ADD CONSTRAINT "llm_spend_key_id_llm_virtual_keys_id_fk" FOREIGN KEY ("key_id") REFERENCES "public"."llm_virtual_keys"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "llm_virtual_keys" ADD CONSTRAINT "llm_virtual_keys_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "llm_virtual_keys" ADD CONSTRAINT "llm_virtual_keys_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "llm_spend_organization_idx" ON "llm_spend" USING btree ("organization_id","last_request_at");--> statement-breakpoint
CREATE INDEX "llm_spend_key_idx" ON "llm_spend" USING btree ("key_id");--> statement-breakpoint
CREATE INDEX "llm_spend_session_idx" ON "llm_spend" USING btree ("session_id");--> statement-breakpoint
CREATE UNIQUE INDEX "llm_virtual_keys_hash_unique" ON "llm_virtual_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "llm_virtual_keys_organization_idx" ON "llm_virtual_keys" USING btree ("organization_id","created_at");--> statement-breakpoint
CREATE INDEX "llm_virtual_keys_session_idx" ON "llm_virtual_keys" USING btree ("session_id");