import { createLogger, type Logger } from "@proliferate/logger";
import { createRedisConnection, QueueOperations } from "@proliferate/queue";
import { createDb, type DatabaseHandle, mail, type ServiceContext } from "@proliferate/services";
import { type Auth, createAuth } from "@proliferate/services/auth";
import { readWebEnv, type WebEnv } from "./env";

/** Everything the web server's procedures and routes need, built once per process. */
export interface WebContext {
	env: WebEnv;
	services: ServiceContext;
	auth: Auth;
	mail: mail.MailTransport;
	logger: Logger;
	superAdminEmails: ReadonlySet<string>;
	/** Queue depths, failed jobs and retries for the operations view; null without REDIS_URL. */
	queues: () => QueueOperations | null;
	close: () => Promise<void>;
}

export function createWebContext(
	env: WebEnv,
	options: {
		logger?: Logger;
		trustedOrigins?: string[];
		database?: DatabaseHandle;
		ipRateLimit?: boolean;
	} = {},
): WebContext {
	const logger = options.logger ?? createLogger({ service: "web", level: env.LOG_LEVEL });
	const database = options.database ?? createDb(env.DATABASE_URL, { max: 10 });
	const services: ServiceContext = { db: database.db };
	const mailTransport = mail.createMailTransport(
		services,
		{ smtpUrl: env.SMTP_URL, from: env.MAIL_FROM },
		logger.child({ component: "mail" }),
	);
	const github =
		env.GITHUB_OAUTH_CLIENT_ID && env.GITHUB_OAUTH_CLIENT_SECRET
			? {
					clientId: env.GITHUB_OAUTH_CLIENT_ID,
					clientSecret: env.GITHUB_OAUTH_CLIENT_SECRET,
					oauthUrl: env.GITHUB_OAUTH_URL,
					apiUrl: env.GITHUB_API_URL,
				}
			: undefined;
	const auth = createAuth({
		db: database.db,
		baseUrl: env.WEB_URL,
		secret: env.AUTH_SECRET,
		requireEmailVerification: env.AUTH_REQUIRE_EMAIL_VERIFICATION,
		mail: mailTransport,
		github,
		logger,
		...(options.trustedOrigins ? { trustedOrigins: options.trustedOrigins } : {}),
		...(options.ipRateLimit === undefined ? {} : { ipRateLimit: options.ipRateLimit }),
	});
	const superAdminEmails = new Set(
		env.SUPER_ADMIN_EMAILS.split(",")
			.map((email) => email.trim().toLowerCase())
			.filter(Boolean),
	);
	let operations: { queues: QueueOperations; close: () => Promise<void> } | null = null;
	const queues = () => {
		if (!env.REDIS_URL) return null;
		if (!operations) {
			// Commands fail fast while Redis is away, so a page never hangs on it.
			const connection = createRedisConnection(env.REDIS_URL, {
				maxRetriesPerRequest: 1,
				enableOfflineQueue: false,
			});
			connection.on("error", (error) => logger.warn({ err: error }, "operations view cannot reach Redis"));
			const opened = new QueueOperations({ connection, prefix: env.REDIS_KEY_PREFIX });
			operations = {
				queues: opened,
				close: async () => {
					connection.disconnect();
					await opened.close();
				},
			};
		}
		return operations.queues;
	};
	return {
		env,
		services,
		auth,
		mail: mailTransport,
		logger,
		superAdminEmails,
		queues,
		close: async () => {
			await operations?.close();
			await database.close();
		},
	};
}

/** Whether /dev/outbox may show sent mail: no SMTP configured and DEV_OUTBOX_ENABLED set. */
export function outboxVisible(web: WebContext): boolean {
	return web.mail.kind === "outbox" && web.env.DEV_OUTBOX_ENABLED;
}

const globalForWeb = globalThis as typeof globalThis & { proliferateWebContext?: WebContext };

/** The process-wide context (kept across dev reloads). */
export function getWebContext(): WebContext {
	globalForWeb.proliferateWebContext ??= createWebContext(readWebEnv());
	return globalForWeb.proliferateWebContext;
}
