import { boolean, index, integer, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, updatedAt } from "./columns";
import { type MemberRole, organizations, users } from "./organizations";

/**
 * better-auth's core tables (session, account, verification) beside `users` (organizations.ts).
 * Field names follow better-auth's schema so its Drizzle adapter reads and writes them directly;
 * `invitations` follows its organization plugin's `invitation` model.
 */
export const authSessions = pgTable(
	"auth_sessions",
	{
		id: text().primaryKey(),
		userId: text()
			.notNull()
			.references(() => users.id, { onDelete: "cascade" }),
		/** The session token (what the signed cookie carries). */
		token: text().notNull(),
		expiresAt: timestamp({ withTimezone: true }).notNull(),
		ipAddress: text(),
		userAgent: text(),
		/** The organization this browser session acts for (better-auth organization plugin field). */
		activeOrganizationId: text().references(() => organizations.id, { onDelete: "set null" }),
		/** Set while a super-admin impersonates someone from this session (see admin_impersonations). */
		impersonationId: text(),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
	},
	(table) => [
		uniqueIndex("auth_sessions_token_unique").on(table.token),
		index("auth_sessions_user_idx").on(table.userId),
	],
);

export const authAccounts = pgTable(
	"auth_accounts",
	{
		id: text().primaryKey(),
		userId: text()
			.notNull()
			.references(() => users.id, { onDelete: "cascade" }),
		/** Provider's id of the account (the user id for "credential"). */
		accountId: text().notNull(),
		/** "credential" (email + password) or an OAuth provider ("github"). */
		providerId: text().notNull(),
		accessToken: text(),
		refreshToken: text(),
		idToken: text(),
		accessTokenExpiresAt: timestamp({ withTimezone: true }),
		refreshTokenExpiresAt: timestamp({ withTimezone: true }),
		scope: text(),
		/** Password hash (scrypt, by better-auth); never the password. */
		password: text(),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
	},
	(table) => [index("auth_accounts_user_idx").on(table.userId)],
);

export const authVerifications = pgTable(
	"auth_verifications",
	{
		id: text().primaryKey(),
		identifier: text().notNull(),
		value: text().notNull(),
		expiresAt: timestamp({ withTimezone: true }).notNull(),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
	},
	(table) => [index("auth_verifications_identifier_idx").on(table.identifier)],
);

export const invitationStatuses = ["pending", "accepted", "rejected", "canceled"] as const;
export type InvitationStatus = (typeof invitationStatuses)[number];

/** Invitations by email (better-auth organization plugin's `invitation` model). The id is the link token. */
export const invitations = pgTable(
	"invitations",
	{
		id: text().primaryKey(),
		organizationId: text()
			.notNull()
			.references(() => organizations.id, { onDelete: "cascade" }),
		email: text().notNull(),
		role: text().$type<MemberRole>().notNull().default("member"),
		status: text().$type<InvitationStatus>().notNull().default("pending"),
		expiresAt: timestamp({ withTimezone: true }).notNull(),
		inviterId: text()
			.notNull()
			.references(() => users.id, { onDelete: "cascade" }),
		createdAt: createdAt(),
	},
	(table) => [
		index("invitations_organization_idx").on(table.organizationId),
		index("invitations_email_idx").on(table.email),
	],
);

/** Organization API keys: only a SHA-256 hash is stored; the prefix is shown to tell keys apart. */
export const apiKeys = pgTable(
	"api_keys",
	{
		id: text().primaryKey(),
		organizationId: text()
			.notNull()
			.references(() => organizations.id, { onDelete: "cascade" }),
		/** The user the key acts as (their role in the organization applies). */
		createdBy: text()
			.notNull()
			.references(() => users.id, { onDelete: "cascade" }),
		name: text().notNull(),
		/** First characters of the key (e.g. "pk_live_ab12"), safe to show. */
		prefix: text().notNull(),
		keyHash: text().notNull(),
		lastUsedAt: timestamp({ withTimezone: true }),
		revokedAt: timestamp({ withTimezone: true }),
		createdAt: createdAt(),
	},
	(table) => [
		uniqueIndex("api_keys_hash_unique").on(table.keyHash),
		index("api_keys_organization_idx").on(table.organizationId),
	],
);

/** A super-admin acting as another user: started, ended, and by whom (the audit trail). */
export const adminImpersonations = pgTable(
	"admin_impersonations",
	{
		id: text().primaryKey(),
		adminUserId: text()
			.notNull()
			.references(() => users.id, { onDelete: "cascade" }),
		targetUserId: text()
			.notNull()
			.references(() => users.id, { onDelete: "cascade" }),
		reason: text(),
		startedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
		expiresAt: timestamp({ withTimezone: true }).notNull(),
		endedAt: timestamp({ withTimezone: true }),
	},
	(table) => [index("admin_impersonations_admin_idx").on(table.adminUserId)],
);

/** Audit rows for security-relevant actions (impersonation, role changes, key revocation…). */
export const auditEvents = pgTable(
	"audit_events",
	{
		id: text().primaryKey(),
		organizationId: text().references(() => organizations.id, { onDelete: "cascade" }),
		actorUserId: text().references(() => users.id, { onDelete: "set null" }),
		/** Stable action name, e.g. "admin.impersonation.started". */
		action: text().notNull(),
		targetType: text(),
		targetId: text(),
		metadata: text(),
		createdAt: createdAt(),
	},
	(table) => [
		index("audit_events_organization_idx").on(table.organizationId),
		index("audit_events_action_idx").on(table.action),
	],
);

/** The local mail outbox: every email the platform sends is recorded here when no SMTP is configured. */
export const mailOutbox = pgTable(
	"mail_outbox",
	{
		id: text().primaryKey(),
		to: text().notNull(),
		subject: text().notNull(),
		text: text().notNull(),
		html: text(),
		/** The main link of the email (verification, invitation), for the dev outbox UI. */
		actionUrl: text(),
		createdAt: createdAt(),
	},
	(table) => [index("mail_outbox_to_idx").on(table.to)],
);

/** Sign-in attempts by email, for brute-force limiting (failures within a window). */
export const signInAttempts = pgTable(
	"sign_in_attempts",
	{
		id: text().primaryKey(),
		email: text().notNull(),
		ipAddress: text(),
		succeeded: boolean().notNull(),
		createdAt: createdAt(),
	},
	(table) => [index("sign_in_attempts_email_idx").on(table.email, table.createdAt)],
);

/** First-run flow per organization: which steps are done, and whether it was dismissed. */
export const onboardingStates = pgTable("onboarding_states", {
	organizationId: text()
		.primaryKey()
		.references(() => organizations.id, { onDelete: "cascade" }),
	repoConnectedAt: timestamp({ withTimezone: true }),
	firstSessionStartedAt: timestamp({ withTimezone: true }),
	dismissedAt: timestamp({ withTimezone: true }),
	completedAt: timestamp({ withTimezone: true }),
	/** Reserved for ordering changes; bumps when the flow's steps change. */
	version: integer().notNull().default(1),
	updatedAt: updatedAt(),
});
