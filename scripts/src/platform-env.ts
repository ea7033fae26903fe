import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { EnvironmentError, envSchema, parseEnvironment } from "@proliferate/environment";
import { SetupError } from "./lib/output";
import type { LocalSecrets } from "./lib/secrets";

/** Checks what the operator configured before anything starts: one clear line per bad key. */
export function validateOperatorEnvironment(): void {
	const operatorKeys = envSchema
		.pick({
			DATABASE_URL: true,
			REDIS_URL: true,
			WEB_PORT: true,
			GATEWAY_PORT: true,
			LLM_PROXY_PORT: true,
			SCRIPTED_MODEL_PORT: true,
			SANDBOX_PROVIDER: true,
			LOG_LEVEL: true,
		})
		.partial();
	try {
		parseEnvironment(operatorKeys, process.env);
	} catch (error) {
		if (error instanceof EnvironmentError) throw new SetupError(error.message);
		throw error;
	}
}

export interface PlatformEnvironmentInput {
	databaseUrl: string;
	redisUrl: string;
	dataDirectory: string;
	secrets: LocalSecrets;
}

/** The environment every platform process gets (operator values win over local defaults). */
export function platformEnvironment(input: PlatformEnvironmentInput): NodeJS.ProcessEnv {
	const ports = {
		WEB_PORT: process.env.WEB_PORT ?? "3000",
		GATEWAY_PORT: process.env.GATEWAY_PORT ?? "4100",
		LLM_PROXY_PORT: process.env.LLM_PROXY_PORT ?? "4200",
		SCRIPTED_MODEL_PORT: process.env.SCRIPTED_MODEL_PORT ?? "4300",
		WORKER_HEALTH_PORT: process.env.WORKER_HEALTH_PORT ?? "4400",
	};
	return {
		...process.env,
		...input.secrets,
		...ports,
		DATABASE_URL: input.databaseUrl,
		REDIS_URL: input.redisUrl,
		PROLIFERATE_DATA_DIR: input.dataDirectory,
		WEB_URL: process.env.WEB_URL ?? `http://localhost:${ports.WEB_PORT}`,
		GATEWAY_URL: process.env.GATEWAY_URL ?? `http://localhost:${ports.GATEWAY_PORT}`,
		LLM_PROXY_URL: process.env.LLM_PROXY_URL ?? `http://127.0.0.1:${ports.LLM_PROXY_PORT}`,
		NEXT_PUBLIC_GATEWAY_URL: process.env.GATEWAY_URL ?? `http://localhost:${ports.GATEWAY_PORT}`,
		// Local development: the demo account signs in without clicking an emailed link.
		AUTH_REQUIRE_EMAIL_VERIFICATION: process.env.AUTH_REQUIRE_EMAIL_VERIFICATION ?? "true",
		// Local: with no SMTP server, verification and invitation emails are read at /dev/outbox.
		DEV_OUTBOX_ENABLED: process.env.DEV_OUTBOX_ENABLED ?? (process.env.SMTP_URL ? "false" : "true"),
	};
}

/** Written for per-app dev targets (`make dev-web` …) while `make services` runs. */
export function writeEnvironmentFile(
	dataDirectory: string,
	environment: NodeJS.ProcessEnv,
	keys: string[],
): string {
	const file = join(dataDirectory, "platform.env");
	const lines = keys
		.filter((key) => environment[key] !== undefined)
		.map((key) => `${key}=${JSON.stringify(environment[key])}`);
	writeFileSync(file, `${lines.join("\n")}\n`, { mode: 0o600 });
	return file;
}
