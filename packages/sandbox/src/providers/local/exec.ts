import type { ExecOptions, ExecResult } from "@proliferate/shared";
import { SandboxCommandError } from "@proliferate/shared";
import { controlRequest } from "./control-client";
import type { SandboxInstance } from "./instance";
import { sandboxPaths } from "./layout";

interface ExecResponse {
	ok: boolean;
	exitCode: number;
	signal: string | null;
	timedOut: boolean;
	durationMs: number;
	stdout: string;
	stderr: string;
}

/** Runs one command through the sandbox supervisor; failures become SandboxCommandError. */
export async function execInInstance(
	instance: SandboxInstance,
	runDir: string,
	command: string[] | string,
	options: ExecOptions = {},
): Promise<ExecResult> {
	const argv = typeof command === "string" ? ["/bin/bash", "-lc", command] : command;
	const timeoutMs = options.timeoutMs ?? 60_000;
	const response = await controlRequest<ExecResponse>(
		runDir,
		{
			type: "exec",
			argv,
			cwd: instance.translate(options.cwd ?? sandboxPaths.workspace),
			env: instance.environment({ ...instance.egressEnvironment(), ...options.env }),
			timeoutMs,
			stdin:
				options.stdin === undefined
					? undefined
					: Buffer.from(typeof options.stdin === "string" ? options.stdin : options.stdin).toString("base64"),
		},
		timeoutMs + 15_000,
	);
	const result: ExecResult = {
		exitCode: response.exitCode,
		signal: response.signal,
		stdout: Buffer.from(response.stdout, "base64").toString("utf8"),
		stderr: Buffer.from(response.stderr, "base64").toString("utf8"),
		durationMs: response.durationMs,
	};
	const commandText = typeof command === "string" ? command : command.join(" ");
	if (response.timedOut || (result.exitCode !== 0 && !options.allowFailure)) {
		throw new SandboxCommandError({
			command: commandText,
			exitCode: response.timedOut ? null : result.exitCode,
			signal: result.signal,
			timedOut: response.timedOut,
			outputTail: `${result.stdout}${result.stderr}`.slice(-2000),
		});
	}
	return result;
}
