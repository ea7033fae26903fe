import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dataDir } from "./paths";

/** Secrets the platform needs, generated once per checkout into `.proliferate/secrets.json` (mode 600). */
const generated = {
	AUTH_SECRET: () => randomBytes(32).toString("hex"),
	GATEWAY_JWT_SECRET: () => randomBytes(32).toString("hex"),
	SERVICE_TO_SERVICE_SECRET: () => randomBytes(32).toString("hex"),
	LLM_PROXY_ADMIN_SECRET: () => randomBytes(32).toString("hex"),
	SECRETS_ENCRYPTION_KEY: () => randomBytes(32).toString("hex"),
} as const;

export type LocalSecrets = Record<keyof typeof generated, string>;

export function loadOrCreateLocalSecrets(): LocalSecrets {
	const file = join(dataDir(), "secrets.json");
	const existing: Partial<LocalSecrets> = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
	const secrets = {} as LocalSecrets;
	let changed = false;
	for (const [key, make] of Object.entries(generated) as [keyof LocalSecrets, () => string][]) {
		const fromEnvironment = process.env[key];
		if (fromEnvironment) {
			secrets[key] = fromEnvironment;
			continue;
		}
		const stored = existing[key];
		if (stored) {
			secrets[key] = stored;
		} else {
			secrets[key] = make();
			changed = true;
		}
	}
	if (changed) writeFileSync(file, JSON.stringify({ ...existing, ...secrets }, null, 2), { mode: 0o600 });
	return secrets;
}
