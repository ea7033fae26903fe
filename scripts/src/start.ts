import { join } from "node:path";
import {
	appLogPath,
	appNeedsBuild,
	buildApp,
	installedApps,
	type RunningApp,
	startApp,
	stopApps,
	summary,
	waitForHealth,
} from "./apps";
import { bringUpInfrastructure } from "./bring-up";
import { bold, dim, info, red, SetupError, step, yellow } from "./lib/output";
import { type Supervisor, superviseApps } from "./lib/supervisor";

/** `make start`: services, migrations, seed, then every app of the platform; Ctrl-C stops it all. */
async function main(): Promise<void> {
	info(bold("Starting Proliferate"));
	const infrastructure = await bringUpInfrastructure();
	const running: RunningApp[] = [];
	let stopping = false;
	let supervisor: Supervisor | undefined;
	const shutdown = async (code: number) => {
		if (stopping) return;
		stopping = true;
		supervisor?.stop();
		info(`\n${dim("Stopping…")}`);
		await stopApps(running);
		await infrastructure.stop();
		info(dim("Stopped."));
		process.exit(code);
	};
	process.on("SIGINT", () => void shutdown(0));
	process.on("SIGTERM", () => void shutdown(0));

	const logDirectory = join(infrastructure.dataDirectory, "logs");
	try {
		for (const app of installedApps()) {
			if (appNeedsBuild(app)) {
				await step(`${app.name} build (first start or sources changed; takes a minute or two)`, (update) =>
					buildApp(app, infrastructure.environment, logDirectory, update),
				);
			}
			const instance = startApp(app, infrastructure.environment, logDirectory);
			running.push(instance);
			await step(`${app.name}`, async (update) => {
				update(`waiting for ${instance.url}${app.healthPath}`);
				await waitForHealth(instance);
			});
		}
	} catch (error) {
		process.stderr.write(`${red(error instanceof Error ? error.message : String(error))}\n`);
		await shutdown(1);
		return;
	}
	info(summary(running));
	const hasWeb = running.some((instance) => instance.app.public);
	const next = hasWeb
		? "Demo sign-in: demo@proliferate.local / proliferate-demo"
		: "Watch an agent work on the demo repository: run `make demo` in another terminal";
	info(dim(`${next} · logs in ${logDirectory} · Ctrl-C to stop`));
	// From here an app that exits is restarted with backoff; only a crash loop stops the platform.
	supervisor = superviseApps(
		running.map((instance) => ({
			child: instance.child,
			app: {
				name: instance.app.name,
				logPath: appLogPath(instance.app, logDirectory),
				restart: () => {
					instance.child = startApp(instance.app, infrastructure.environment, logDirectory).child;
					return instance.child;
				},
				waitUntilHealthy: () => waitForHealth(instance),
			},
		})),
		{ log: (line) => process.stderr.write(`${yellow(line)}\n`) },
	);
	const loop = await supervisor.crashLoop;
	process.stderr.write(`${red(loop.message)}\n`);
	await shutdown(1);
}

main().catch((error: unknown) => {
	if (error instanceof SetupError) {
		process.stderr.write(`${red("✗")} ${error.message}\n`);
	} else {
		process.stderr.write(
			`${red("✗")} ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
		);
	}
	process.exit(1);
});
