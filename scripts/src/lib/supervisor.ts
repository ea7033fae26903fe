import type { ChildProcess } from "node:child_process";

/** One process the supervisor keeps running. */
export interface SupervisedApp {
	name: string;
	/** Where its output goes, named when it crash-loops. */
	logPath: string;
	/** Starts it again after an exit; returns the new process. */
	restart: () => ChildProcess;
	/** Resolves once a restarted process is healthy again (logged; a failure is just another exit). */
	waitUntilHealthy?: (child: ChildProcess) => Promise<void>;
}

export interface SupervisorSettings {
	/** Exits within `windowMs` that count as a crash loop and stop everything (default 5 in 60 s). */
	maxExits: number;
	windowMs: number;
	/** Restart delay: `initialDelayMs`, doubling with each recent exit, at most `maxDelayMs`. */
	initialDelayMs: number;
	maxDelayMs: number;
	/** One line per event (restarts, crash loop), for the terminal. */
	log: (line: string) => void;
}

export const defaultSupervisorSettings: Omit<SupervisorSettings, "log"> = {
	maxExits: 5,
	windowMs: 60_000,
	initialDelayMs: 500,
	maxDelayMs: 10_000,
};

/** Why supervision gave up: one app exited `exits` times within the window. */
export interface CrashLoop {
	name: string;
	logPath: string;
	exits: number;
	windowMs: number;
	lastExit: string;
	message: string;
}

export interface Supervisor {
	/** The app's current process (replaced on each restart). */
	current(name: string): ChildProcess | undefined;
	/** Resolves when an app crash-loops; supervision has stopped by then. */
	readonly crashLoop: Promise<CrashLoop>;
	/** Restarts so far, per app. */
	restarts(name: string): number;
	/** Stops supervising (no more restarts); the caller stops the processes. */
	stop(): void;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
	return signal ? `signal ${signal}` : `code ${code}`;
}

/**
 * Keeps `apps` running: an app that exits (for any reason, while supervision is on) is restarted
 * after a backoff, with a log line saying why and when; only a crash loop (`maxExits` exits within
 * `windowMs`) stops supervision, resolving `crashLoop` with a message naming the app and its log.
 */
export function superviseApps(
	apps: { app: SupervisedApp; child: ChildProcess }[],
	settings: Partial<SupervisorSettings> & Pick<SupervisorSettings, "log">,
): Supervisor {
	const options: SupervisorSettings = { ...defaultSupervisorSettings, ...settings };
	const children = new Map<string, ChildProcess>();
	const exits = new Map<string, number[]>();
	const restartCounts = new Map<string, number>();
	const timers = new Set<NodeJS.Timeout>();
	let stopped = false;
	let reportCrashLoop: (loop: CrashLoop) => void = () => {};
	const crashLoop = new Promise<CrashLoop>((resolve) => {
		reportCrashLoop = resolve;
	});

	const stop = () => {
		stopped = true;
		for (const timer of timers) clearTimeout(timer);
		timers.clear();
	};

	function watch(app: SupervisedApp, child: ChildProcess): void {
		children.set(app.name, child);
		const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
			if (stopped || children.get(app.name) !== child) return;
			const now = Date.now();
			const recent = (exits.get(app.name) ?? []).filter((at) => now - at < options.windowMs);
			recent.push(now);
			exits.set(app.name, recent);
			const lastExit = describeExit(code, signal);
			if (recent.length >= options.maxExits) {
				stop();
				const message = `${app.name} exited ${recent.length} times within ${Math.round(options.windowMs / 1000)}s (last: ${lastExit}); stopping the platform. See its log: ${app.logPath}`;
				options.log(message);
				reportCrashLoop({
					name: app.name,
					logPath: app.logPath,
					exits: recent.length,
					windowMs: options.windowMs,
					lastExit,
					message,
				});
				return;
			}
			const delay = Math.min(options.initialDelayMs * 2 ** (recent.length - 1), options.maxDelayMs);
			options.log(
				`${app.name} exited (${lastExit}); restarting in ${(delay / 1000).toFixed(1)}s (exit ${recent.length} of ${options.maxExits} allowed within ${Math.round(options.windowMs / 1000)}s). Log: ${app.logPath}`,
			);
			const timer = setTimeout(() => {
				timers.delete(timer);
				if (stopped) return;
				let next: ChildProcess;
				try {
					next = app.restart();
				} catch (error) {
					options.log(
						`${app.name} could not be restarted: ${error instanceof Error ? error.message : String(error)}`,
					);
					onExit(1, null);
					return;
				}
				restartCounts.set(app.name, (restartCounts.get(app.name) ?? 0) + 1);
				watch(app, next);
				app.waitUntilHealthy?.(next).then(
					() => {
						if (!stopped && children.get(app.name) === next)
							options.log(`${app.name} is back (pid ${next.pid}).`);
					},
					() => {},
				);
			}, delay);
			timers.add(timer);
		};
		child.once("exit", onExit);
		child.once("error", (error) => {
			options.log(`${app.name} failed: ${error.message}`);
			// A process that never started emits no exit.
			if (child.pid === undefined) onExit(1, null);
		});
		if (child.exitCode !== null || child.signalCode !== null)
			queueMicrotask(() => onExit(child.exitCode, child.signalCode));
	}

	for (const { app, child } of apps) watch(app, child);
	return {
		current: (name) => children.get(name),
		crashLoop,
		restarts: (name) => restartCounts.get(name) ?? 0,
		stop,
	};
}
