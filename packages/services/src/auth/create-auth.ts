import type { Logger } from "@proliferate/logger";
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { APIError, createAuthMiddleware } from "better-auth/api";
import type { Database } from "../db/client";
import { passwordResetEmail, verificationEmail } from "../mail/templates";
import type { MailTransport } from "../mail/transport";
import { createOrganization } from "../orgs/service";
import { betterAuthTables } from "./db";
import { type GitHubOAuthOptions, githubOAuthPlugin } from "./github";
import { checkSignInAllowed, recordSignInAttempt, SIGN_IN_LIMIT } from "./rate-limit";

export interface AuthOptions {
	db: Database;
	/** Public URL of the web app (links in emails, OAuth callbacks, cookie security). */
	baseUrl: string;
	secret: string;
	requireEmailVerification: boolean;
	mail: MailTransport;
	github?: GitHubOAuthOptions | undefined;
	logger?: Logger;
	/** Extra origins allowed to call the auth endpoints (tests use their random port). */
	trustedOrigins?: string[];
	/** better-auth's in-memory per-IP limiter (default on); the per-email sign-in limit always applies. */
	ipRateLimit?: boolean;
}

const credentialSignInPath = "/sign-in/email";

/**
 * better-auth over the platform's tables (users + auth_* + organizations): email and password with
 * verification by email, GitHub OAuth when configured, a personal organization on sign-up, and
 * sign-in attempts limited per email address.
 */
export function createAuth(options: AuthOptions) {
	const context = { db: options.db };
	const log = options.logger?.child({ component: "auth" });
	const secure = options.baseUrl.startsWith("https://");
	return betterAuth({
		appName: "Proliferate",
		baseURL: options.baseUrl,
		basePath: "/api/auth",
		secret: options.secret,
		trustedOrigins: [options.baseUrl, ...(options.trustedOrigins ?? [])],
		database: drizzleAdapter(options.db, {
			provider: "pg",
			schema: betterAuthTables,
		}),
		emailAndPassword: {
			enabled: true,
			minPasswordLength: 8,
			maxPasswordLength: 128,
			requireEmailVerification: options.requireEmailVerification,
			revokeSessionsOnPasswordReset: true,
			resetPasswordTokenExpiresIn: 60 * 60,
			sendResetPassword: async ({ user, url }) => {
				await options.mail.send(passwordResetEmail({ to: user.email, url }));
			},
		},
		emailVerification: {
			sendOnSignUp: true,
			sendOnSignIn: true,
			autoSignInAfterVerification: true,
			expiresIn: 60 * 60 * 24,
			sendVerificationEmail: async ({ user, url }) => {
				await options.mail.send(verificationEmail({ to: user.email, name: user.name, url }));
			},
		},
		plugins: options.github ? [githubOAuthPlugin(options.github)] : [],
		session: {
			expiresIn: 60 * 60 * 24 * 30,
			updateAge: 60 * 60 * 24,
			additionalFields: {
				activeOrganizationId: { type: "string", required: false, input: false },
				impersonationId: { type: "string", required: false, input: false },
			},
		},
		advanced: {
			useSecureCookies: secure,
			cookiePrefix: "proliferate",
			defaultCookieAttributes: { httpOnly: true, sameSite: "lax", secure },
		},
		// Per-IP limiting from better-auth itself (in memory) on top of the per-email limit below.
		rateLimit: {
			enabled: options.ipRateLimit ?? true,
			window: 60,
			max: 120,
			customRules: {
				[credentialSignInPath]: { window: 60, max: 20 },
				"/sign-up/email": { window: 60, max: 10 },
			},
		},
		databaseHooks: {
			user: {
				create: {
					before: async (user) => ({ data: { ...user, email: user.email.trim().toLowerCase() } }),
					after: async (user) => {
						const organization = await createOrganization(context, {
							name: `${user.name.split(" ")[0] || "Personal"}'s workspace`,
							ownerUserId: user.id,
							isPersonal: true,
						});
						log?.info({ userId: user.id, organizationId: organization.id }, "user signed up");
					},
				},
			},
		},
		hooks: {
			before: createAuthMiddleware(async (ctx) => {
				if (ctx.path !== credentialSignInPath) return;
				const email = typeof ctx.body?.email === "string" ? ctx.body.email : "";
				if (!(await checkSignInAllowed(context, { email }))) {
					log?.warn({ email: email.toLowerCase() }, "sign-in blocked: too many failed attempts");
					throw new APIError("TOO_MANY_REQUESTS", {
						message: `Too many failed sign-in attempts; try again in ${SIGN_IN_LIMIT.windowMinutes} minutes`,
						code: "TOO_MANY_SIGN_IN_ATTEMPTS",
					});
				}
			}),
			after: createAuthMiddleware(async (ctx) => {
				if (ctx.path !== credentialSignInPath) return;
				const email = typeof ctx.body?.email === "string" ? ctx.body.email : "";
				const returned = ctx.context.returned;
				const succeeded = !(returned instanceof APIError) && !(returned instanceof Error);
				const ipAddress = ctx.request?.headers.get("x-forwarded-for")?.split(",")[0]?.trim() ?? null;
				await recordSignInAttempt(context, { email, succeeded, ipAddress });
			}),
		},
		logger: {
			level: "warn",
			log: (level, message) => {
				if (!log) return;
				if (level === "error") log.error(message);
				else if (level === "warn") log.warn(message);
				else log.debug(message);
			},
		},
		telemetry: { enabled: false },
	});
}

export type Auth = ReturnType<typeof createAuth>;
