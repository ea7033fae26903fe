import { DomainError, PROCESS_LOG_MARKERS, type SandboxProcessSpec } from "@proliferate/shared";
import { REMOTE_HOME, REMOTE_WORKSPACE, SOURCE_ENV } from "./sandbox-state";
import { commandToShell, envExports, shellQuote } from "./shell";

/** The ports a new sandbox must open: its processes' and the ones asked for (Modal opens tunnels at creation). */
export function portsToOpen(
	processes: SandboxProcessSpec[] | undefined,
	ports: number[] | undefined,
): number[] {
	return [
		...new Set([...(processes ?? []).flatMap((spec) => (spec.port ? [spec.port] : [])), ...(ports ?? [])]),
	];
}

/**
 * The script that starts each process that is not running (idempotent: pid files), each detached
 * with `nohup setsid`, its output in `~/.proliferate/logs/<name>.log`.
 */
export function startProcessesScript(processes: SandboxProcessSpec[]): string {
	const lines = [`mkdir -p ${REMOTE_HOME}/.proliferate/logs ${REMOTE_HOME}/.proliferate/run`];
	for (const spec of processes) lines.push(...startProcessLines(spec));
	return lines.join("\n");
}

function startProcessLines(spec: SandboxProcessSpec): string[] {
	if (!/^[A-Za-z0-9_.-]+$/.test(spec.name)) {
		throw new DomainError("invalid_input", "SANDBOX_PROCESS_NAME", `invalid process name ${spec.name}`);
	}
	const pidFile = `${REMOTE_HOME}/.proliferate/run/${spec.name}.pid`;
	const log = `${REMOTE_HOME}/.proliferate/logs/${spec.name}.log`;
	const cwd = spec.cwd ?? REMOTE_WORKSPACE;
	const marker = `PROLIFERATE_PROCESS=${spec.name}`;
	// The process's own environment and stdin go through files (mode 600) its launcher reads and
	// deletes, not through the launcher's command line (/proc/<pid>/cmdline is world-readable).
	const envFile = `${REMOTE_HOME}/.proliferate/run/${spec.name}.env`;
	const stdinFile = `${REMOTE_HOME}/.proliferate/run/${spec.name}.stdin`;
	const command = commandToShell(spec.command);
	// Not `exec`: the shell outlives the command to record its exit (PROCESS_LOG_MARKERS).
	const body = [
		`echo ${shellQuote(PROCESS_LOG_MARKERS.starting)}`,
		SOURCE_ENV,
		`. ${envFile}; rm -f ${envFile}`,
		`cd ${shellQuote(cwd)}`,
		spec.stdin !== undefined ? `{ rm -f ${stdinFile}; ${command}; } < ${stdinFile}` : command,
		`echo ${shellQuote(PROCESS_LOG_MARKERS.exited)} $?`,
	]
		.filter(Boolean)
		.join("\n");
	const secretFiles = [
		`(umask 077 && printf %s ${Buffer.from(`${envExports(spec.env)}\n`).toString("base64")} | base64 -d > ${envFile})`,
		...(spec.stdin !== undefined
			? [`(umask 077 && printf %s ${Buffer.from(spec.stdin).toString("base64")} | base64 -d > ${stdinFile})`]
			: []),
	];
	return [
		// Alive = the pid exists, is not a zombie (kill -0 succeeds on zombies) and is ours: after a
		// restore into a new machine the recorded pid may belong to another process.
		`__pid=$(cat ${pidFile} 2>/dev/null); __state=""`,
		`[ -n "$__pid" ] && __state=$(cut -d' ' -f3 "/proc/$__pid/stat" 2>/dev/null)`,
		`[ -n "$__state" ] && ! tr '\\0' '\\n' < "/proc/$__pid/environ" 2>/dev/null | grep -qx '${marker}' && __state=""`,
		'if [ -z "$__state" ] || [ "$__state" = Z ]; then',
		...secretFiles.map((line) => `  ${line}`),
		// The marker is in the shell's own environment (/proc/<pid>/environ shows only that).
		`  nohup setsid env ${marker} bash -c ${shellQuote(body)} >>${log} 2>&1 </dev/null & echo $! > ${pidFile}`,
		"fi",
	];
}
