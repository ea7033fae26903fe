import { z } from "zod";
import { httpUrl } from "./helpers";

export const integrationsKeys = {
	// ── Integrations
	/** GitHub API base URL (GitHub Enterprise or a test server). */
	GITHUB_API_URL: httpUrl().default("https://api.github.com"),
	/** GitHub App (optional): its id and PEM private key, for installation connections and their tokens. */
	GITHUB_APP_ID: z.string().regex(/^\d+$/, "must be the numeric app id").optional(),
	GITHUB_APP_PRIVATE_KEY: z
		.string()
		.transform((value) => value.replace(/\\n/g, "\n"))
		.pipe(z.string().includes("PRIVATE KEY", { message: "must be a PEM private key" }))
		.optional(),
	/**
	 * The GitHub App's slug (github.com/apps/<slug>): with GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY, owners and
	 * admins install the App from Settings → Integrations (its Setup URL is <WEB_URL>/api/integrations/github/setup).
	 */
	GITHUB_APP_SLUG: z
		.string()
		.regex(/^[a-z0-9][a-z0-9-]*$/i, "must be the app's slug (github.com/apps/<slug>)")
		.optional(),
	/**
	 * The GitHub App's own OAuth client id and secret (the App's settings page, not the sign-in OAuth app's).
	 * With "Request user authorization (OAuth) during installation" enabled on the App, GitHub sends a `code`
	 * with each installation; the web app exchanges it with these and installs only an installation the
	 * installing user can access (GET /user/installations). Required, with the three above, to install the
	 * App from Settings → Integrations.
	 */
	GITHUB_APP_CLIENT_ID: z.string().min(1).optional(),
	/** The GitHub App's OAuth client secret (see GITHUB_APP_CLIENT_ID). */
	GITHUB_APP_CLIENT_SECRET: z.string().min(1).optional(),
	/** Key used to encrypt secrets at rest (AES-256-GCM), 64 hex characters. */
	SECRETS_ENCRYPTION_KEY: z.string().regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex characters (32 bytes)"),
	/**
	 * Keys that sealed secrets before SECRETS_ENCRYPTION_KEY (rotation): comma-separated, 64 hex characters each.
	 * Values they sealed stay readable; `make secrets-reseal` re-seals them with the current key, after which
	 * they can be removed.
	 */
	SECRETS_ENCRYPTION_KEYS_PREVIOUS: z
		.string()
		.default("")
		.transform((value) =>
			value
				.split(",")
				.map((key) => key.trim())
				.filter(Boolean),
		)
		.pipe(
			z.array(
				z.string().regex(/^[0-9a-fA-F]{64}$/, "each previous key must be 64 hex characters (32 bytes)"),
			),
		),
} satisfies z.ZodRawShape;
