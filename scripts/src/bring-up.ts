import { join } from "node:path";
import { runMigrations } from "@proliferate/db";
import { dim, step } from "./lib/output";
import { dataDir } from "./lib/paths";
import { loadOrCreateLocalSecrets } from "./lib/secrets";
import { platformEnvironment, validateOperatorEnvironment, writeEnvironmentFile } from "./platform-env";
import { seedDemo } from "./seed";
import { ensurePostgres, type PostgresHandle } from "./services/postgres";
import { ensureRedis, type RedisHandle } from "./services/redis";

export interface Infrastructure {
	postgres: PostgresHandle;
	redis: RedisHandle;
	environment: NodeJS.ProcessEnv;
	dataDirectory: string;
	stop: () => Promise<void>;
}

/** PostgreSQL, Redis, migrations and the demo seed: everything the apps need before they start. */
export async function bringUpInfrastructure(): Promise<Infrastructure> {
	validateOperatorEnvironment();
	const dataDirectory = dataDir();
	const logLines: string[] = [];
	const remember = (line: string) => {
		if (line) logLines.push(line);
	};
	const postgres = await step("PostgreSQL", async (update) => {
		const handle = await ensurePostgres(remember);
		update(
			handle.kind === "embedded" ? `embedded, data in ${join(dataDirectory, "postgres")}` : "DATABASE_URL",
		);
		return handle;
	});
	let redis: RedisHandle;
	try {
		redis = await step("Redis", async (update) => {
			const handle = await ensureRedis(remember);
			update(handle.kind === "child" ? "redis-server child process" : handle.url);
			return handle;
		});
	} catch (error) {
		await postgres.stop();
		throw error;
	}
	const stop = async () => {
		await redis.stop();
		await postgres.stop();
	};
	try {
		await step("Migrations", () => runMigrations(postgres.url));
		const seeded = await step("Demo organization", async (update) => {
			const result = await seedDemo({ databaseUrl: postgres.url, dataDirectory });
			update(result.created ? "created" : "already there");
			return result;
		});
		const secrets = loadOrCreateLocalSecrets();
		const environment = platformEnvironment({
			databaseUrl: postgres.url,
			redisUrl: redis.url,
			dataDirectory,
			secrets,
		});
		environment.PROLIFERATE_DEMO_REPO_PATH = seeded.repoPath;
		writeEnvironmentFile(dataDirectory, environment, [
			"DATABASE_URL",
			"REDIS_URL",
			"PROLIFERATE_DATA_DIR",
			"WEB_URL",
			"GATEWAY_URL",
			"LLM_PROXY_URL",
			"NEXT_PUBLIC_GATEWAY_URL",
			...Object.keys(secrets),
		]);
		return { postgres, redis, environment, dataDirectory, stop };
	} catch (error) {
		process.stdout.write(`${dim(logLines.slice(-10).join("\n"))}\n`);
		await stop();
		throw error;
	}
}
