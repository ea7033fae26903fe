import type { SandboxClient, TerminalConnection } from "@proliferate/gateway-clients";

/** A terminal connection that collects output, with a helper to wait for text to appear. */
export interface TerminalProbe {
	connection: TerminalConnection;
	output: () => string;
	exits: { exitCode: number; signal: number | null }[];
	closes: { code: number; reason: string }[];
	errors: { code: string; message: string }[];
	waitForOutput: (pattern: RegExp | string, timeoutMs?: number) => Promise<string>;
	waitForClose: (timeoutMs?: number) => Promise<{ code: number; reason: string }>;
}

async function until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
}

export function probeTerminal(client: SandboxClient, terminalId: string): TerminalProbe {
	let text = "";
	const exits: TerminalProbe["exits"] = [];
	const closes: TerminalProbe["closes"] = [];
	const errors: TerminalProbe["errors"] = [];
	const connection = client.connectTerminal(terminalId, {
		onOutput: (data) => {
			text += data;
		},
		onExit: (exit) => exits.push(exit),
		onClose: (event) => closes.push(event),
		onError: (error) => errors.push(error),
	});
	return {
		connection,
		output: () => text,
		exits,
		closes,
		errors,
		waitForOutput: (pattern, timeoutMs = 15_000) =>
			until(
				() => {
					const match =
						typeof pattern === "string" ? text.includes(pattern) && pattern : text.match(pattern)?.[0];
					return match || undefined;
				},
				timeoutMs,
				`terminal output ${pattern} (got ${JSON.stringify(text.slice(-300))})`,
			),
		waitForClose: (timeoutMs = 15_000) => until(() => closes[0], timeoutMs, "the terminal socket to close"),
	};
}

export { until };
