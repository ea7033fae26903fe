import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { createServer, type Server, connect as tcpConnect } from "node:net";
import { AlreadyExistsError, NotFoundError } from "modal";
import type {
	ModalAppLike,
	ModalClientLike,
	ModalImageLike,
	ModalProcessLike,
	ModalSandboxLike,
} from "../providers/modal/modal-client";
import { FakeMachine } from "./fake-machine";

/**
 * Modal at the SDK boundary: an object with the shape of `ModalClient` (apps, images, sandboxes,
 * exec with streams, filesystem snapshots, tunnels) backed by the fake machine, throwing the SDK's
 * own error classes (`NotFoundError`, `AlreadyExistsError`) and gRPC `ClientError`s for injected
 * transient failures. Modal's real transport is gRPC with a separate TLS command router per task,
 * and its protobuf definitions are not shipped with the SDK, so the fake stops at this boundary.
 */
export interface FakeModal {
	client: ModalClientLike;
	machine: FakeMachine;
	baseImageId: string;
	/** Calls seen, e.g. "sandboxes.create", "sandbox.exec". */
	calls: string[];
	/** Make the next `count` calls named `method` fail with a gRPC status (14 = UNAVAILABLE). */
	failNext(method: string, grpcCode: number, count?: number): void;
	close(): Promise<void>;
}

class FakeClientError extends Error {
	constructor(
		readonly code: number,
		readonly details: string,
	) {
		super(`/modal.client.ModalClient ${details}`);
		this.name = "ClientError";
	}
}

export function createFakeModal(root: string): FakeModal {
	const machine = new FakeMachine(root);
	const baseImageId = `im-base${randomBytes(4).toString("hex")}`;
	const calls: string[] = [];
	const failures: { method: string; code: number; count: number }[] = [];
	const tunnels = new Map<string, Server[]>();
	const apps = new Map<string, ModalAppLike>();

	function enter(method: string): void {
		calls.push(method);
		const failure = failures.find((candidate) => candidate.method === method && candidate.count > 0);
		if (failure) {
			failure.count--;
			throw new FakeClientError(failure.code, `injected failure of ${method}`);
		}
	}

	function running(id: string) {
		const record = machine.sandboxes.get(id);
		if (!record || record.state === "killed") return undefined;
		if (record.endAt.getTime() <= Date.now()) {
			machine.kill(id);
			return undefined;
		}
		return record;
	}

	async function openTunnel(id: string, port: number): Promise<string> {
		const server = createServer((socket) => {
			socket.pause();
			const upstream = tcpConnect(port, "127.0.0.1", () => {
				socket.pipe(upstream).pipe(socket);
				socket.resume();
			});
			// Like Modal's tunnel edge: nothing listening on the container port answers 502.
			upstream.on("error", () =>
				socket.end("HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"),
			);
			socket.on("error", () => upstream.destroy());
		});
		await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
		tunnels.set(id, [...(tunnels.get(id) ?? []), server]);
		return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	}

	function closeTunnels(id: string): void {
		for (const server of tunnels.get(id) ?? []) server.close();
		tunnels.delete(id);
	}

	function sandboxObject(id: string, ports: Record<number, { url: string }>): ModalSandboxLike {
		return {
			sandboxId: id,
			async exec(command, params) {
				enter("sandbox.exec");
				// The SDK's own validation (buildTaskExecStartRequestProto).
				if (params?.timeoutMs && params.timeoutMs % 1000 !== 0) {
					throw new Error(`timeoutMs must be a multiple of 1000ms, got ${params.timeoutMs}`);
				}
				if (!running(id)) throw new NotFoundError(`Sandbox ${id} not found`);
				let stdout = "";
				let stderr = "";
				const run = machine.run(id, command, {
					cwd: params?.workdir,
					env: params?.env,
					keepStdinOpen: true,
					onStdout: (chunk) => {
						stdout += chunk.toString();
					},
					onStderr: (chunk) => {
						stderr += chunk.toString();
					},
				});
				const deadline = params?.timeoutMs ? Date.now() + params.timeoutMs : null;
				const timer = deadline ? setTimeout(run.kill, params?.timeoutMs) : undefined;
				const done = run.done.then((result) => {
					if (timer) clearTimeout(timer);
					return result;
				});
				const process: ModalProcessLike = {
					stdin: {
						async writeText(text) {
							run.child.stdin?.write(text);
						},
						async close() {
							run.child.stdin?.end();
						},
					},
					stdout: { readText: () => done.then(() => stdout) },
					stderr: { readText: () => done.then(() => stderr) },
					async wait() {
						const { exitCode, signal } = await done;
						if (deadline && Date.now() >= deadline) {
							throw new Error(`Deadline exceeded while waiting for exec ex-${id}`);
						}
						if (exitCode !== null) return exitCode;
						return 128 + (signal === "SIGKILL" ? 9 : 15);
					},
				};
				return process;
			},
			async snapshotFilesystem() {
				enter("sandbox.snapshotFilesystem");
				if (!running(id)) throw new NotFoundError(`Sandbox ${id} not found`);
				return { imageId: machine.snapshot(id, "im-") };
			},
			async terminate() {
				enter("sandbox.terminate");
				closeTunnels(id);
				machine.kill(id);
			},
			async tunnels() {
				enter("sandbox.tunnels");
				return ports;
			},
			async poll() {
				enter("sandbox.poll");
				return running(id) ? null : 0;
			},
		};
	}

	const objects = new Map<string, ModalSandboxLike>();

	const client: ModalClientLike = {
		apps: {
			async fromName(name, params) {
				enter("apps.fromName");
				const existing = apps.get(name);
				if (existing) return existing;
				if (!params?.createIfMissing) throw new NotFoundError(`App '${name}' not found`);
				const app = { appId: `ap-${randomBytes(6).toString("hex")}` };
				apps.set(name, app);
				return app;
			},
		},
		images: {
			async fromId(imageId): Promise<ModalImageLike> {
				enter("images.fromId");
				if (imageId !== baseImageId && !machine.hasSnapshot(imageId)) {
					throw new NotFoundError(`Image '${imageId}' not found`);
				}
				return { imageId };
			},
			fromRegistry(tag) {
				return { imageId: tag };
			},
		},
		sandboxes: {
			async create(_app, image, params) {
				enter("sandboxes.create");
				if (params?.name) {
					for (const record of machine.sandboxes.values()) {
						if (record.name === params.name && running(record.id)) {
							throw new AlreadyExistsError(`Sandbox with name '${params.name}' already exists`);
						}
					}
				}
				const record = machine.create({
					template: image.imageId,
					env: params?.env,
					timeoutSeconds: params?.timeoutMs ? params.timeoutMs / 1000 : 300,
					metadata: params?.tags,
					name: params?.name,
					prefix: "sb-",
				});
				const ports: Record<number, { url: string }> = {};
				for (const port of params?.encryptedPorts ?? [])
					ports[port] = { url: await openTunnel(record.id, port) };
				const object = sandboxObject(record.id, ports);
				objects.set(record.id, object);
				return object;
			},
			async fromName(_appName, name) {
				enter("sandboxes.fromName");
				for (const record of machine.sandboxes.values()) {
					if (record.name === name && running(record.id)) {
						const object = objects.get(record.id);
						if (object) return object;
					}
				}
				throw new NotFoundError(`Sandbox with name '${name}' not found`);
			},
		},
	};

	return {
		client,
		machine,
		baseImageId,
		calls,
		failNext(method, code, count = 1) {
			failures.push({ method, code, count });
		},
		async close() {
			for (const id of tunnels.keys()) closeTunnels(id);
			machine.killAll();
		},
	};
}
