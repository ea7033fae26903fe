CREATE TYPE "public"."warm_sandbox_state" AS ENUM('warming', 'ready', 'claimed');--> statement-breakpoint
CREATE TABLE "warm_sandboxes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"pool_key" text NOT NULL,
	"provider" "sandbox_provider_kind" NOT NULL,
	"provider_sandbox_id" text,
	"organization_id" text,
	"state" "warm_sandbox_state" DEFAULT 'warming' NOT NULL,
	"handle" jsonb,
	"expires_at" timestamp with time zone,
	"claimed_by_session_id" uuid,
	"claimed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "organization_settings" ADD COLUMN "sandbox_provider" text;--> statement-breakpoint
ALTER TABLE "warm_sandboxes" ADD CONSTRAINT "warm_sandboxes_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "warm_sandboxes_pool_state_idx" ON "warm_sandboxes" USING btree ("pool_key","state","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "warm_sandboxes_provider_id_unique" ON "warm_sandboxes" USING btree ("provider","provider_sandbox_id");--> statement-breakpoint
ALTER TABLE "organization_settings" ADD CONSTRAINT "organization_settings_sandbox_provider_check" CHECK ("organization_settings"."sandbox_provider" IS NULL OR "organization_settings"."sandbox_provider" IN ('local', 'e2b', 'modal'));