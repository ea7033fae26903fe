CREATE TABLE "secret_bundle_repos" (
	"bundle_id" uuid NOT NULL,
	"repo_id" uuid NOT NULL,
	"organization_id" text NOT NULL,
	"position" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "secret_bundle_repos_bundle_id_repo_id_pk" PRIMARY KEY("bundle_id","repo_id")
);
--> statement-breakpoint
CREATE TABLE "secret_bundles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "secrets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" text NOT NULL,
	"scope" text NOT NULL,
	"repo_id" uuid,
	"bundle_id" uuid,
	"configuration_id" text,
	"key" text NOT NULL,
	"sealed_value" text NOT NULL,
	"key_id" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_by" text,
	"updated_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "secret_bundle_repos" ADD CONSTRAINT "secret_bundle_repos_bundle_id_secret_bundles_id_fk" FOREIGN KEY ("bundle_id") REFERENCES "public"."secret_bundles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "secret_bundle_repos" ADD CONSTRAINT "secret_bundle_repos_repo_id_repos_id_fk" FOREIGN KEY ("repo_id") REFERENCES "public"."repos"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "secret_bundle_repos" ADD CONSTRAINT "secret_bundle_repos_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "secret_bundles" ADD CONSTRAINT "secret_bundles_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "secret_bundles" ADD CONSTRAINT "secret_bundles_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_repo_id_repos_id_fk" FOREIGN KEY ("repo_id") REFERENCES "public"."repos"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_bundle_id_secret_bundles_id_fk" FOREIGN KEY ("bundle_id") REFERENCES "public"."secret_bundles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "secret_bundle_repos_repo_idx" ON "secret_bundle_repos" USING btree ("repo_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "secret_bundles_organization_name_unique" ON "secret_bundles" USING btree ("organization_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "secrets_organization_scope_key_unique" ON "secrets" USING btree ("organization_id","scope","key");--> statement-breakpoint
CREATE INDEX "secrets_key_id_idx" ON "secrets" USING btree ("key_id");