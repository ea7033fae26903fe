import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { createServer as createTcpServer, type Server, connect as tcpConnect } from "node:net";
import { FakeMachine, type FakeRun } from "./fake-machine";
import { loadModalDefinitions } from "./modal-definitions";

/**
 * A local gRPC server speaking the part of Modal's protocol the `modal` JS SDK (0.11) uses, with
 * the SDK's own protobuf definitions: the control plane (`modal.client.ModalClient`: AuthTokenGet,
 * AppGetOrCreate, ImageFromId, SandboxCreateV2, SandboxGetFromNameV2, SandboxGetTaskIdV2,
 * SandboxGetCommandRouterAccess, SandboxWaitV2, SandboxTerminateV2, SandboxGetTunnelsV2) and the
 * per-sandbox task command router (`TaskCommandRouter`: TaskExecStart, TaskExecStdioRead,
 * TaskExecStdinWrite, TaskExecWait, TaskExecPoll, TaskSnapshotFilesystem), JWT-checked.
 * Anything else answers UNIMPLEMENTED and is recorded in `unimplemented`.
 * Point the SDK at it with `MODAL_SERVER_URL=<url>` (a localhost URL: the SDK then dials the
 * command router without TLS).
 */
export interface FakeModalServer {
	url: string;
	machine: FakeMachine;
	baseImageId: string;
	tokenId: string;
	tokenSecret: string;
	calls: string[];
	unimplemented: string[];
	/** Answer the next `count` calls of `method` (e.g. "sandboxCreateV2") with a gRPC status. */
	failNext(method: string, code: number, count?: number): void;
	close(): Promise<void>;
}

// gRPC status codes.
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const UNAUTHENTICATED = 16;
const UNIMPLEMENTED = 12;

interface Exec {
	run: FakeRun;
	stdout: Buffer[];
	stderr: Buffer[];
	result?: { code?: number; signal?: number };
	done: Promise<void>;
	changed: Set<() => void>;
}

interface FakeSandbox {
	id: string;
	taskId: string;
	appId: string;
	name?: string;
	ports: { containerPort: number; host: string; port: number }[];
	tunnels: Server[];
	exitCode: number | null;
	terminated: boolean;
	execs: Map<string, Exec>;
}

/** Messages are ts-proto objects of the bundle copy, untyped here. */
// biome-ignore lint/suspicious/noExplicitAny: ts-proto messages of an untyped bundle copy
type Message = any;
interface GrpcContext {
	metadata: { get(key: string): unknown };
	signal: AbortSignal;
}
type Handler = (request: Message, context: GrpcContext) => unknown;
interface ServiceDefinition {
	methods: Record<string, { responseStream: boolean }>;
}

function jwt(claims: Record<string, unknown>): string {
	const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
	return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.${randomBytes(8).toString("base64url")}`;
}

export async function startFakeModalServer(options: { root: string }): Promise<FakeModalServer> {
	const definitions = await loadModalDefinitions();
	const { ServerError } = definitions;
	const machine = new FakeMachine(options.root);
	const tokenId = `ak-${randomBytes(8).toString("hex")}`;
	const tokenSecret = `as-${randomBytes(8).toString("hex")}`;
	const baseImageId = `im-${randomBytes(10).toString("hex")}`;
	const authToken = jwt({ exp: Math.floor(Date.now() / 1000) + 3600, sub: tokenId });
	const calls: string[] = [];
	const unimplemented: string[] = [];
	const failures: { method: string; code: number; count: number }[] = [];
	const apps = new Map<string, string>();
	const sandboxes = new Map<string, FakeSandbox>();
	const byTask = new Map<string, FakeSandbox>();
	const routerJwts = new Map<string, string>();

	function enter(method: string) {
		calls.push(method);
		const failure = failures.find((candidate) => candidate.method === method && candidate.count > 0);
		if (failure) {
			failure.count--;
			throw new ServerError(failure.code, `injected failure of ${method}`);
		}
	}
	function checkControlAuth(context: GrpcContext, method: string) {
		const metadata = context.metadata;
		if (
			metadata.get("x-modal-token-id") !== tokenId ||
			metadata.get("x-modal-token-secret") !== tokenSecret
		) {
			throw new ServerError(UNAUTHENTICATED, "Invalid token id or secret");
		}
		if (method !== "authTokenGet" && metadata.get("x-modal-auth-token") !== authToken) {
			throw new ServerError(UNAUTHENTICATED, "missing or expired auth token");
		}
	}

	function alive(sandbox: FakeSandbox | undefined): boolean {
		if (!sandbox || sandbox.terminated) return false;
		const record = machine.sandboxes.get(sandbox.id);
		if (!record || record.state === "killed" || record.endAt.getTime() <= Date.now()) {
			terminate(sandbox, 0);
			return false;
		}
		return true;
	}

	function terminate(sandbox: FakeSandbox, exitCode: number) {
		if (sandbox.terminated) return;
		sandbox.terminated = true;
		sandbox.exitCode = exitCode;
		for (const server of sandbox.tunnels) server.close();
		machine.kill(sandbox.id);
	}

	function sandboxById(sandboxId: string): FakeSandbox {
		const sandbox = sandboxes.get(sandboxId);
		if (!sandbox) throw new ServerError(NOT_FOUND, `Sandbox ${sandboxId} not found`);
		return sandbox;
	}

	async function openTunnel(sandbox: FakeSandbox, containerPort: number) {
		const server = createTcpServer((socket) => {
			socket.pause();
			const upstream = tcpConnect(containerPort, "127.0.0.1", () => {
				socket.pipe(upstream).pipe(socket);
				socket.resume();
			});
			upstream.on("error", () =>
				socket.end("HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"),
			);
			socket.on("error", () => upstream.destroy());
		});
		await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
		sandbox.tunnels.push(server);
		sandbox.ports.push({ containerPort, host: "127.0.0.1", port: (server.address() as AddressInfo).port });
	}

	const tunnelData = (sandbox: FakeSandbox) =>
		sandbox.ports.map((port) => ({ host: port.host, port: port.port, containerPort: port.containerPort }));

	// ── control plane ────────────────────────────────────────────────────────────
	const control: Record<string, (request: Message, context: GrpcContext) => Promise<unknown>> = {
		async authTokenGet() {
			return { token: authToken };
		},
		async appGetOrCreate(request) {
			let appId = apps.get(request.appName);
			if (!appId) {
				if (request.objectCreationType !== 1)
					throw new ServerError(NOT_FOUND, `App '${request.appName}' not found`);
				appId = `ap-${randomBytes(8).toString("hex")}`;
				apps.set(request.appName, appId);
			}
			return { appId };
		},
		async imageFromId(request) {
			if (request.imageId !== baseImageId && !machine.hasSnapshot(request.imageId)) {
				throw new ServerError(NOT_FOUND, `Image ${request.imageId} not found`);
			}
			return { imageId: request.imageId };
		},
		async sandboxCreateV2(request) {
			const definition = request.definition;
			if (definition.name) {
				for (const existing of sandboxes.values()) {
					if (existing.name === definition.name && alive(existing)) {
						throw new ServerError(ALREADY_EXISTS, `Sandbox with name '${definition.name}' already exists`);
					}
				}
			}
			if (definition.imageId !== baseImageId && !machine.hasSnapshot(definition.imageId)) {
				throw new ServerError(NOT_FOUND, `Image ${definition.imageId} not found`);
			}
			const env: Record<string, string> = {};
			for (const source of request.secretSources ?? []) Object.assign(env, source.env?.contents ?? {});
			const record = machine.create({
				template: definition.imageId,
				env,
				timeoutSeconds: definition.timeoutSecs,
				name: definition.name,
				metadata: Object.fromEntries(
					(request.tags ?? []).map((tag: { tagName: string; tagValue: string }) => [
						tag.tagName,
						tag.tagValue,
					]),
				),
				prefix: "sb-",
			});
			const sandbox: FakeSandbox = {
				id: record.id,
				taskId: `ta-${randomBytes(8).toString("hex")}`,
				appId: request.appId,
				name: definition.name,
				ports: [],
				tunnels: [],
				exitCode: null,
				terminated: false,
				execs: new Map(),
			};
			for (const port of definition.openPorts?.ports ?? []) await openTunnel(sandbox, port.port);
			sandboxes.set(sandbox.id, sandbox);
			byTask.set(sandbox.taskId, sandbox);
			return {
				sandboxId: sandbox.id,
				taskId: sandbox.taskId,
				tunnels: tunnelData(sandbox),
				commandRouterAccess: routerAccess(sandbox),
			};
		},
		async sandboxGetFromNameV2(request) {
			for (const sandbox of sandboxes.values()) {
				if (sandbox.name === request.sandboxName && alive(sandbox)) return { sandboxId: sandbox.id };
			}
			throw new ServerError(NOT_FOUND, `Sandbox with name '${request.sandboxName}' not found`);
		},
		async sandboxGetFromName(request) {
			throw new ServerError(NOT_FOUND, `Sandbox with name '${request.sandboxName}' not found`);
		},
		async sandboxGetTaskIdV2(request) {
			const sandbox = sandboxById(request.sandboxId);
			if (!alive(sandbox))
				return { taskResult: { status: 3, exitcode: sandbox.exitCode ?? 0, exception: "" } };
			return { taskId: sandbox.taskId };
		},
		async sandboxGetCommandRouterAccess(request) {
			const sandbox = sandboxById(request.sandboxId);
			return routerAccess(sandbox);
		},
		async sandboxWaitV2(request) {
			const sandbox = sandboxById(request.sandboxId);
			if (alive(sandbox)) return { result: undefined };
			return {
				result: { status: sandbox.exitCode === 0 ? 1 : 3, exitcode: sandbox.exitCode ?? 0, exception: "" },
			};
		},
		async sandboxTerminateV2(request) {
			const sandbox = sandboxById(request.sandboxId);
			terminate(sandbox, 137);
			return {};
		},
		async sandboxGetTunnelsV2(request) {
			const sandbox = sandboxById(request.sandboxId);
			return { tunnels: tunnelData(sandbox) };
		},
	};

	function routerAccess(sandbox: FakeSandbox) {
		const token = jwt({ exp: Math.floor(Date.now() / 1000) + 3600, task: sandbox.taskId });
		routerJwts.set(sandbox.taskId, token);
		return { url: `https://127.0.0.1:${routerPort}`, jwt: token };
	}

	// ── task command router ──────────────────────────────────────────────────────
	function taskFor(request: { taskId: string }, context: GrpcContext): FakeSandbox {
		const sandbox = byTask.get(request.taskId);
		const token = routerJwts.get(request.taskId);
		if (!sandbox || context.metadata.get("authorization") !== `Bearer ${token}`) {
			throw new ServerError(UNAUTHENTICATED, "invalid command router token");
		}
		if (!alive(sandbox)) throw new ServerError(NOT_FOUND, `task ${request.taskId} has finished`);
		return sandbox;
	}

	function execOf(sandbox: FakeSandbox, execId: string): Exec {
		const exec = sandbox.execs.get(execId);
		if (!exec) throw new ServerError(NOT_FOUND, `exec ${execId} not found`);
		return exec;
	}
	const router: Record<string, (request: Message, context: GrpcContext) => unknown> = {
		async taskExecStart(request, context) {
			const sandbox = taskFor(request, context);
			const changed = new Set<() => void>();
			const notify = () => {
				for (const listener of [...changed]) listener();
			};
			const exec: Exec = {
				stdout: [],
				stderr: [],
				changed,
				done: Promise.resolve(),
				run: machine.run(sandbox.id, request.commandArgs, {
					cwd: request.workdir,
					env: request.env,
					keepStdinOpen: true,
					onStdout: (chunk) => {
						exec.stdout.push(chunk);
						notify();
					},
					onStderr: (chunk) => {
						exec.stderr.push(chunk);
						notify();
					},
				}),
			};
			const timer = request.timeoutSecs ? setTimeout(exec.run.kill, request.timeoutSecs * 1000) : undefined;
			exec.done = exec.run.done.then(({ exitCode, signal }) => {
				if (timer) clearTimeout(timer);
				exec.result = exitCode !== null ? { code: exitCode } : { signal: signal === "SIGKILL" ? 9 : 15 };
				notify();
			});
			sandbox.execs.set(request.execId, exec);
			return {};
		},
		async *taskExecStdioRead(request, context) {
			const sandbox = taskFor(request, context);
			const exec = execOf(sandbox, request.execId);
			const chunks = request.fileDescriptor === 0 ? exec.stdout : exec.stderr;
			let offset = Number(request.offset ?? 0);
			let index = 0;
			let position = 0;
			while (true) {
				for (; index < chunks.length; index++) {
					const chunk = chunks[index] as Buffer;
					const start = Math.max(0, offset - position);
					position += chunk.length;
					if (start < chunk.length) {
						offset += chunk.length - start;
						yield { data: new Uint8Array(chunk.subarray(start)) };
					}
				}
				if (exec.result) return;
				await new Promise<void>((resolve) => {
					const listener = () => {
						exec.changed.delete(listener);
						resolve();
					};
					exec.changed.add(listener);
					context.signal.addEventListener("abort", listener, { once: true });
				});
				if (context.signal.aborted) return;
			}
		},
		async taskExecStdinWrite(request, context) {
			const sandbox = taskFor(request, context);
			const exec = execOf(sandbox, request.execId);
			const stdin = exec.run.child.stdin;
			if (request.data?.length) stdin?.write(Buffer.from(request.data));
			if (request.eof) stdin?.end();
			return {};
		},
		async taskExecWait(request, context) {
			const sandbox = taskFor(request, context);
			const exec = execOf(sandbox, request.execId);
			await Promise.race([
				exec.done,
				new Promise((resolve) => context.signal.addEventListener("abort", resolve, { once: true })),
			]);
			if (!exec.result) throw new ServerError(4, "deadline exceeded");
			return exec.result;
		},
		async taskExecPoll(request, context) {
			const sandbox = taskFor(request, context);
			const exec = execOf(sandbox, request.execId);
			return exec.result ?? {};
		},
		async taskSnapshotFilesystem(request, context) {
			const sandbox = taskFor(request, context);
			return { imageId: machine.snapshot(sandbox.id, "im-") };
		},
	};
	function implementation(
		definition: ServiceDefinition,
		handlers: Record<string, Handler>,
		auth: (context: GrpcContext, method: string) => void,
	) {
		return Object.fromEntries(
			Object.entries(definition.methods).map(([name, method]: [string, { responseStream: boolean }]) => {
				const handler = handlers[name];
				if (method.responseStream) {
					return [
						name,
						async function* (request: Message, context: GrpcContext) {
							enter(name);
							auth(context, name);
							if (!handler) {
								unimplemented.push(name);
								throw new ServerError(UNIMPLEMENTED, `${name} is not implemented by the fake`);
							}
							yield* handler(request, context) as AsyncIterable<unknown>;
						},
					];
				}
				return [
					name,
					async (request: Message, context: GrpcContext) => {
						enter(name);
						auth(context, name);
						if (!handler) {
							unimplemented.push(name);
							throw new ServerError(UNIMPLEMENTED, `${name} is not implemented by the fake`);
						}
						return handler(request, context);
					},
				];
			}),
		);
	}

	const controlServer = definitions.createServer();
	controlServer.add(
		definitions.ModalClientDefinition,
		implementation(definitions.ModalClientDefinition, control, checkControlAuth),
	);
	const controlPort: number = await controlServer.listen("127.0.0.1:0");
	const routerServer = definitions.createServer();
	routerServer.add(
		definitions.TaskCommandRouterDefinition,
		implementation(definitions.TaskCommandRouterDefinition, router, () => {}),
	);
	const routerPort: number = await routerServer.listen("127.0.0.1:0");

	return {
		url: `http://127.0.0.1:${controlPort}`,
		machine,
		baseImageId,
		tokenId,
		tokenSecret,
		calls,
		unimplemented,
		failNext(method, code, count = 1) {
			failures.push({ method, code, count });
		},
		async close() {
			for (const sandbox of sandboxes.values()) terminate(sandbox, 0);
			machine.killAll();
			await controlServer.forceShutdown?.();
			await routerServer.forceShutdown?.();
		},
	};
}
