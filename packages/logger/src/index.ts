import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger } from "pino";

/** Field names whose values are never logged, at any of the first three levels of nesting. */
export const SECRET_FIELD_NAMES = [
	"password",
	"newPassword",
	"currentPassword",
	"token",
	"accessToken",
	"refreshToken",
	"idToken",
	"apiKey",
	"api_key",
	"key",
	"secret",
	"clientSecret",
	"authorization",
	"Authorization",
	"cookie",
	"set-cookie",
	"privateKey",
	"virtualKey",
	"sandboxToken",
	"credentials",
] as const;

function redactionPaths(): string[] {
	const paths: string[] = [];
	for (const name of SECRET_FIELD_NAMES) {
		const segment = /^[A-Za-z_$][\w$]*$/.test(name) ? name : `["${name}"]`;
		const join = (prefix: string) =>
			segment.startsWith("[") ? `${prefix}${segment}` : `${prefix}.${segment}`;
		paths.push(segment.startsWith("[") ? segment.slice(2, -2) : segment);
		paths.push(join("*"));
		paths.push(join("*.*"));
	}
	return paths;
}

/** Drizzle's failed-query errors carry the bound values (session tokens, hashes): never log them. */
const queryParamsInText = /\nparams: [\s\S]*?(?=\n\s+at |$)/g;

function withoutQueryParams(value: unknown, depth: number): unknown {
	if (typeof value === "string") return value.replace(queryParamsInText, "\nparams: [redacted]");
	if (depth > 5 || value === null || typeof value !== "object") return value;
	if (Array.isArray(value)) return value.map((entry) => withoutQueryParams(entry, depth + 1));
	return Object.fromEntries(
		Object.entries(value).map(([name, entry]) => [
			name,
			name === "params" ? "[redacted]" : withoutQueryParams(entry, depth + 1),
		]),
	);
}

/** pino's error serializer, minus the query parameters of database errors (also in causes). */
function serializeError(error: Error): unknown {
	return withoutQueryParams(pino.stdSerializers.err(error), 0);
}

export interface CreateLoggerOptions {
	service: string;
	level?: string;
	/** Where to write; stdout by default. Tests pass a stream to read what was logged. */
	destination?: DestinationStream;
}

/** A structured JSON logger for one service; use `.child({ sessionId, organizationId })` for context. */
export function createLogger({ service, level = "info", destination }: CreateLoggerOptions): Logger {
	return pino(
		{
			level,
			base: { service },
			redact: { paths: redactionPaths(), censor: "[redacted]" },
			serializers: { err: serializeError },
			timestamp: pino.stdTimeFunctions.isoTime,
		},
		destination,
	);
}

/** A logger that discards everything (for libraries used without a logger). */
export function createSilentLogger(): Logger {
	return pino({ level: "silent" });
}

export interface ProcessGuardOptions {
	/**
	 * What to do after logging an uncaught exception: "exit" (the default: log, then exit 1, as Node
	 * would, so a supervisor restarts a process whose state may be broken) or "continue" (log only).
	 */
	onUncaughtException?: "exit" | "continue";
	/** Called after logging, before exiting (tests, metrics). */
	onFault?: (kind: "uncaughtException" | "unhandledRejection", error: unknown) => void;
	/** The exit (tests pass their own). */
	exit?: (code: number) => void;
}

/**
 * Installs the process-level guard every app's `main.ts` uses: an uncaught exception or an unhandled
 * rejection is logged (fatal, with the error and its kind) instead of printed raw. Rejections are
 * logged and the process goes on; uncaught exceptions exit with code 1 after the log line is out (or
 * go on, with `onUncaughtException: "continue"`). Returns a function that removes the guard.
 */
export function installProcessGuard(logger: Logger, options: ProcessGuardOptions = {}): () => void {
	const exit = options.exit ?? ((code: number) => process.exit(code));
	const onException = (error: unknown, origin: string) => {
		logger.fatal({ err: error, origin, pid: process.pid }, "uncaught exception");
		options.onFault?.("uncaughtException", error);
		if ((options.onUncaughtException ?? "exit") === "exit") {
			logger.flush?.();
			exit(1);
		}
	};
	const onRejection = (reason: unknown) => {
		logger.error({ err: reason, pid: process.pid }, "unhandled promise rejection");
		options.onFault?.("unhandledRejection", reason);
	};
	process.on("uncaughtException", onException);
	process.on("unhandledRejection", onRejection);
	return () => {
		process.off("uncaughtException", onException);
		process.off("unhandledRejection", onRejection);
	};
}
