import { z } from "zod";
import { booleanFlag, httpUrl, port, secret, urlWithProtocols } from "./helpers";

export const webKeys = {
	// ── Web app
	/** Port of the Next.js web app. */
	WEB_PORT: port(3000),
	/** Public URL of the web app (used in emails, OAuth callbacks and links). */
	WEB_URL: httpUrl().default("http://localhost:3000"),
	/** Secret used by better-auth to sign cookies and tokens. */
	AUTH_SECRET: secret(),
	/** Comma-separated emails that are super-admins. */
	SUPER_ADMIN_EMAILS: z.string().default(""),
	/** Require email verification before sign-in. */
	AUTH_REQUIRE_EMAIL_VERIFICATION: booleanFlag(true),
	/** GitHub OAuth app for sign-in (optional). */
	GITHUB_OAUTH_CLIENT_ID: z.string().optional(),
	GITHUB_OAUTH_CLIENT_SECRET: z.string().optional(),
	/** Where GitHub's web pages live — OAuth sign-in and the GitHub App's installation page (GitHub Enterprise, or a test server); the API is GITHUB_API_URL. */
	GITHUB_OAUTH_URL: httpUrl().default("https://github.com"),
	/** SMTP URL (smtp://user:pass@host:port) for outgoing mail; the local outbox is used when unset. */
	SMTP_URL: urlWithProtocols(["smtp", "smtps"]).optional(),
	/** Serve the local mail outbox at /dev/outbox when SMTP_URL is unset (`make start` turns it on). Never on a public deployment: it shows every sign-up's verification link. */
	DEV_OUTBOX_ENABLED: booleanFlag(false),
	/** From address of outgoing mail. */
	MAIL_FROM: z.string().default("Proliferate <noreply@proliferate.local>"),
} satisfies z.ZodRawShape;
