// The supervisor that runs as the first process inside every local sandbox (plain Node, no dependencies).
// It answers the host over a unix socket (RUN_DIR/control.sock): run commands, start and stop long-running
// processes, and relay TCP between the sandbox's private network namespace and unix sockets the host owns:
//   inbound  RUN_DIR/ports/<port>.sock  → 127.0.0.1:<port> inside the sandbox
//   outbound 127.0.0.1:<listenPort> inside → RUN_DIR/egress/<name>.sock (the host forwards to the target)
import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync, rmSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";

const runDir = process.env.PROLIFERATE_RUN_DIR ?? "/run/proliferate";
const logDir = process.env.PROLIFERATE_LOG_DIR ?? "/home/user/.proliferate/logs";
const outputCap = 8 * 1024 * 1024;
const processes = new Map();
const servers = new Map();

mkdirSync(join(runDir, "ports"), { recursive: true });
mkdirSync(logDir, { recursive: true });

function reply(socket, message) {
	socket.end(`${JSON.stringify(message)}\n`);
}

function capped(chunks, chunk, state) {
	state.size += chunk.length;
	chunks.push(chunk);
	while (state.size > outputCap && chunks.length > 1) state.size -= chunks.shift().length;
}

function runCommand(request, socket) {
	const started = Date.now();
	const child = spawn(request.argv[0], request.argv.slice(1), {
		cwd: request.cwd,
		env: request.env,
		stdio: ["pipe", "pipe", "pipe"],
		detached: true,
	});
	const stdout = [];
	const stderr = [];
	const outState = { size: 0 };
	const errState = { size: 0 };
	let timedOut = false;
	child.stdout.on("data", (chunk) => capped(stdout, chunk, outState));
	child.stderr.on("data", (chunk) => capped(stderr, chunk, errState));
	const timer = setTimeout(() => {
		timedOut = true;
		try {
			process.kill(-child.pid, "SIGKILL");
		} catch {}
	}, request.timeoutMs);
	child.on("error", (error) => {
		clearTimeout(timer);
		reply(socket, { ok: false, error: `cannot run ${request.argv[0]}: ${error.message}` });
	});
	let answered = false;
	const finish = (code, signal) => {
		if (answered) return;
		answered = true;
		clearTimeout(timer);
		reply(socket, {
			ok: true,
			exitCode: code ?? -1,
			signal: signal ?? null,
			timedOut,
			durationMs: Date.now() - started,
			stdout: Buffer.concat(stdout).toString("base64"),
			stderr: Buffer.concat(stderr).toString("base64"),
		});
	};
	child.on("close", finish);
	// A command that leaves a background process holding its output pipes still ends when it exits.
	child.on("exit", (code, signal) => setTimeout(() => finish(code, signal), 150));
	child.stdin.on("error", () => {});
	if (request.stdin) child.stdin.end(Buffer.from(request.stdin, "base64"));
	else child.stdin.end();
}

function startProcess(request) {
	stopProcess(request.name);
	const log = createWriteStream(join(logDir, `${request.name}.log`), { flags: "a" });
	// PROCESS_LOG_MARKERS in @proliferate/shared: readers find this run's part of the log by them.
	log.write("[sandbox-init] starting\n");
	// A credential for the process alone comes on its stdin (never in its environment, which every
	// process of the sandbox user can read from /proc/<pid>/environ).
	const child = spawn(request.argv[0], request.argv.slice(1), {
		cwd: request.cwd,
		env: request.env,
		stdio: [typeof request.stdin === "string" ? "pipe" : "ignore", "pipe", "pipe"],
		detached: true,
	});
	if (child.stdin) {
		child.stdin.on("error", () => {});
		child.stdin.end(request.stdin);
	}
	child.stdout.pipe(log, { end: false });
	child.stderr.pipe(log, { end: false });
	const entry = { child, name: request.name, startedAt: Date.now(), exitCode: null, log };
	child.on("error", (error) => log.write(`[sandbox-init] cannot start: ${error.message}\n`));
	child.on("exit", (code, signal) => {
		entry.exitCode = code ?? (signal ? 128 : -1);
		log.write(`[sandbox-init] exited ${signal ?? code}\n`);
	});
	processes.set(request.name, entry);
	return { pid: child.pid };
}

function stopProcess(name) {
	const entry = processes.get(name);
	if (!entry) return false;
	processes.delete(name);
	if (entry.exitCode === null) {
		try {
			process.kill(-entry.child.pid, "SIGTERM");
		} catch {}
		setTimeout(() => {
			try {
				process.kill(-entry.child.pid, "SIGKILL");
			} catch {}
		}, 3000).unref();
	}
	return true;
}

function pipeBoth(a, b) {
	a.on("error", () => b.destroy());
	b.on("error", () => a.destroy());
	a.pipe(b);
	b.pipe(a);
}

function relayPort(port) {
	const key = `port:${port}`;
	if (servers.has(key)) return;
	const path = join(runDir, "ports", `${port}.sock`);
	rmSync(path, { force: true });
	const server = net.createServer((inbound) => pipeBoth(inbound, net.connect(port, "127.0.0.1")));
	server.listen(path);
	servers.set(key, server);
}

function relayEgress(name, listenPort) {
	const key = `egress:${name}`;
	if (servers.has(key)) return;
	const target = join(runDir, "egress", `${name}.sock`);
	const server = net.createServer((outbound) => pipeBoth(outbound, net.connect(target)));
	server.listen(listenPort, "127.0.0.1");
	servers.set(key, server);
}

function handle(request, socket) {
	switch (request.type) {
		case "ping":
			return reply(socket, { ok: true, pid: process.pid });
		case "exec":
			return runCommand(request, socket);
		case "start":
			return reply(socket, { ok: true, ...startProcess(request) });
		case "stop":
			return reply(socket, { ok: true, stopped: stopProcess(request.name) });
		case "list":
			return reply(socket, {
				ok: true,
				processes: [...processes.values()].map((entry) => ({
					name: entry.name,
					pid: entry.child.pid,
					running: entry.exitCode === null,
					exitCode: entry.exitCode,
				})),
			});
		case "relay-port":
			relayPort(request.port);
			return reply(socket, { ok: true });
		case "relay-egress":
			relayEgress(request.name, request.listenPort);
			return reply(socket, { ok: true });
		case "shutdown":
			for (const name of [...processes.keys()]) stopProcess(name);
			reply(socket, { ok: true });
			setTimeout(() => process.exit(0), 200);
			return;
		default:
			return reply(socket, { ok: false, error: `unknown request ${request.type}` });
	}
}

const controlPath = join(runDir, "control.sock");
rmSync(controlPath, { force: true });
net
	.createServer((socket) => {
		let buffer = "";
		socket.on("data", (chunk) => {
			buffer += chunk.toString("utf8");
			const newline = buffer.indexOf("\n");
			if (newline === -1) {
				if (buffer.length > 64 * 1024 * 1024) socket.destroy();
				return;
			}
			socket.removeAllListeners("data");
			try {
				handle(JSON.parse(buffer.slice(0, newline)), socket);
			} catch (error) {
				reply(socket, { ok: false, error: `bad request: ${error.message}` });
			}
		});
		socket.on("error", () => {});
	})
	.listen(controlPath, () => process.stdout.write("sandbox-init ready\n"));

for (const signal of ["SIGTERM", "SIGINT"]) {
	process.on(signal, () => {
		for (const name of [...processes.keys()]) stopProcess(name);
		setTimeout(() => process.exit(0), 300);
	});
}
// Reap orphans: as the sandbox's init we inherit every orphaned process; Node reaps children it spawned.
process.on("SIGCHLD", () => {});
