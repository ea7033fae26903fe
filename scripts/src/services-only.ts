import { bringUpInfrastructure } from "./bring-up";
import { bold, dim, info, red, SetupError } from "./lib/output";

/** `make services`: PostgreSQL + Redis + migrations + seed, kept running for per-app dev targets. */
async function main(): Promise<void> {
	const infrastructure = await bringUpInfrastructure();
	info(
		`\n${bold("Services are up.")} DATABASE_URL=${infrastructure.postgres.url} REDIS_URL=${infrastructure.redis.url}`,
	);
	info(
		dim(
			"Per-app targets (make dev-web, make dev-gateway, …) read .proliferate/platform.env. Ctrl-C to stop.",
		),
	);
	const stop = async () => {
		await infrastructure.stop();
		process.exit(0);
	};
	process.on("SIGINT", () => void stop());
	process.on("SIGTERM", () => void stop());
	setInterval(() => {}, 1 << 30);
}

main().catch((error: unknown) => {
	process.stderr.write(`${red("✗")} ${error instanceof SetupError ? error.message : String(error)}\n`);
	process.exit(1);
});
