import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import {
	createServer,
	request as httpRequest,
	type IncomingMessage,
	type Server,
	type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join, posix } from "node:path";
import { type FakeImageMount, FakeMachine } from "./fake-machine";

/**
 * A local server speaking the part of E2B's protocol the `e2b` SDK uses: the REST control plane
 * (`/v2/sandboxes`, `/sandboxes/{id}`, pause, connect, snapshots, timeout), envd behind the sandbox
 * proxy (routed by the `E2b-Sandbox-Id` header: Connect-RPC `process.Process/Start` streaming and
 * `SendSignal`, `GET`/`POST /files`, `/health`) and the port edge (`/port/{id}/{port}/…`).
 * Failures can be injected per route to exercise the provider's error mapping and retries.
 */
export interface FakeE2bServer {
	url: string;
	apiKey: string;
	machine: FakeMachine;
	/** Answer the next `count` requests whose "METHOD /path" matches with `status`. */
	failNext(match: RegExp, status: number, count?: number, body?: unknown): void;
	/** Requests seen, "METHOD /path" (control plane and envd). */
	requests: string[];
	close(): Promise<void>;
}

const ENVD_VERSION = "0.5.7";

function frame(flags: number, payload: unknown): Buffer {
	const json = Buffer.from(JSON.stringify(payload));
	const header = Buffer.alloc(5);
	header.writeUInt8(flags, 0);
	header.writeUInt32BE(json.length, 1);
	return Buffer.concat([header, json]);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

function sendJson(
	res: ServerResponse,
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
): void {
	const text = body === undefined ? "" : JSON.stringify(body);
	res.writeHead(status, {
		"content-type": "application/json",
		"content-length": Buffer.byteLength(text),
		...headers,
	});
	res.end(text);
}

export async function startFakeE2bServer(options: {
	root: string;
	/** What the fake template's image carries under /opt (see FakeMachine). */
	imageMounts?: FakeImageMount[];
	templates?: string[];
	apiKey?: string;
}): Promise<FakeE2bServer> {
	const machine = new FakeMachine(options.root, options.imageMounts);
	const apiKey = options.apiKey ?? `e2b_${randomBytes(12).toString("hex")}`;
	const templates = new Set(options.templates ?? ["base"]);
	const accessTokens = new Map<string, string>();
	const failures: { match: RegExp; status: number; count: number; body?: unknown }[] = [];
	const requests: string[] = [];
	const runs = new Map<string, Map<number, () => void>>();
	let nextPid = 100;

	function sandboxBody(id: string) {
		const record = machine.sandboxes.get(id);
		if (!record) throw new Error("unknown");
		return {
			sandboxID: id,
			templateID: record.template,
			clientID: "fake",
			envdVersion: ENVD_VERSION,
			envdAccessToken: accessTokens.get(id),
			domain: null,
			startedAt: record.startedAt.toISOString(),
			endAt: record.endAt.toISOString(),
			state: record.state,
			cpuCount: 2,
			memoryMB: 1024,
			diskSizeMB: 1024,
			metadata: record.metadata,
		};
	}

	function live(id: string | undefined) {
		if (!id) return undefined;
		const record = machine.sandboxes.get(id);
		if (!record || record.state === "killed") return undefined;
		if (record.endAt.getTime() <= Date.now()) {
			machine.kill(id);
			return undefined;
		}
		return record;
	}

	async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
		const path = url.pathname;
		if (req.headers["x-api-key"] !== apiKey)
			return sendJson(res, 401, { code: 401, message: "Invalid API key" });
		const method = req.method ?? "GET";
		const body =
			method === "GET" || method === "DELETE" ? {} : JSON.parse((await readBody(req)).toString() || "{}");
		if (method === "GET" && path === "/health") return sendJson(res, 200, { message: "ok" });
		if (method === "GET" && path === "/v2/sandboxes") {
			// E2B's listing: running and paused sandboxes, `limit` per page (default 100), the next
			// page's cursor in the `x-next-token` header and back as `nextToken`.
			const listed = [...machine.sandboxes.values()].filter((record) => live(record.id));
			const limit = Math.max(1, Math.min(100, Number(url.searchParams.get("limit") ?? 100) || 100));
			const start = Number(url.searchParams.get("nextToken") ?? 0) || 0;
			const page = listed.slice(start, start + limit);
			const next: Record<string, string> =
				start + limit < listed.length ? { "x-next-token": String(start + limit) } : {};
			return sendJson(
				res,
				200,
				page.map((record) => sandboxBody(record.id)),
				next,
			);
		}
		if (method === "POST" && path === "/v2/sandboxes") {
			const template = String(body.templateID ?? "");
			if (!templates.has(template) && !machine.hasSnapshot(template)) {
				return sendJson(res, 404, { code: 404, message: `template '${template}' not found` });
			}
			const record = machine.create({
				template,
				env: body.envVars,
				timeoutSeconds: body.timeout,
				metadata: body.metadata,
				prefix: "i",
			});
			accessTokens.set(record.id, randomBytes(16).toString("hex"));
			return sendJson(res, 201, sandboxBody(record.id));
		}
		const connect = /^\/v2\/sandboxes\/([^/]+)\/connect$/.exec(path);
		if (method === "POST" && connect) {
			const record = live(connect[1]);
			if (!record) return sendJson(res, 404, { code: 404, message: "sandbox not found" });
			const resumed = record.state === "paused";
			record.state = "running";
			if (body.timeout) record.endAt = new Date(Date.now() + body.timeout * 1000);
			return sendJson(res, resumed ? 201 : 200, sandboxBody(record.id));
		}
		const action = /^\/sandboxes\/([^/]+)(\/[a-z]+)?$/.exec(path);
		if (!action) return sendJson(res, 404, { code: 404, message: `no route ${method} ${path}` });
		const id = action[1] ?? "";
		const record = live(id);
		if (!record) return sendJson(res, 404, { code: 404, message: `sandbox ${id} not found` });
		const sub = action[2];
		if (method === "GET" && !sub) return sendJson(res, 200, sandboxBody(id));
		if (method === "DELETE" && !sub) {
			machine.kill(id);
			return sendJson(res, 204, undefined);
		}
		if (method === "POST" && sub === "/timeout") {
			record.endAt = new Date(Date.now() + Number(body.timeout) * 1000);
			return sendJson(res, 204, undefined);
		}
		if (method === "POST" && sub === "/pause") {
			if (record.state === "paused") return sendJson(res, 409, { code: 409, message: "already paused" });
			machine.stopProcesses(id);
			record.state = "paused";
			return sendJson(res, 204, undefined);
		}
		if (method === "POST" && sub === "/snapshots") {
			const snapshotId = machine.snapshot(id, "snap_");
			return sendJson(res, 201, { snapshotID: snapshotId, names: [] });
		}
		return sendJson(res, 404, { code: 404, message: `no route ${method} ${path}` });
	}

	function resolvePath(path: string): string {
		return posix.isAbsolute(path) ? path : posix.join("/home/user", path);
	}

	function hostPath(id: string, path: string): string | null {
		const inside = posix.normalize(resolvePath(path));
		if (!inside.startsWith("/home/user/") && inside !== "/home/user") return null;
		return join(machine.homeOf(id), inside.slice("/home/user".length));
	}

	async function handleEnvd(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
		const id = String(req.headers["e2b-sandbox-id"] ?? "");
		const record = live(id);
		if (record?.state !== "running") {
			return sendJson(res, 502, { sandboxId: id, message: "The sandbox was not found", code: 502 });
		}
		if (req.headers["x-access-token"] !== accessTokens.get(id)) {
			return sendJson(res, 401, { code: 401, message: "invalid access token" });
		}
		const path = url.pathname;
		if (path === "/health") return sendJson(res, 204, undefined);
		if (path === "/files") {
			const target = hostPath(id, url.searchParams.get("path") ?? "");
			if (!target) return sendJson(res, 400, { code: 400, message: "path outside the home directory" });
			if (req.method === "GET") {
				try {
					if (statSync(target).isDirectory())
						return sendJson(res, 400, { code: 400, message: "path is a directory" });
					const data = readFileSync(target);
					res.writeHead(200, { "content-type": "application/octet-stream", "content-length": data.length });
					return void res.end(data);
				} catch {
					return sendJson(res, 404, {
						code: 404,
						message: `file not found: ${url.searchParams.get("path")}`,
					});
				}
			}
			const data = await readBody(req);
			mkdirSync(dirname(target), { recursive: true });
			writeFileSync(target, data);
			const inside = resolvePath(url.searchParams.get("path") ?? "");
			return sendJson(res, 200, [{ name: posix.basename(inside), type: "file", path: inside }]);
		}
		if (path === "/process.Process/Start") {
			const raw = await readBody(req);
			const request = JSON.parse(raw.subarray(5).toString() || "{}");
			const proc = request.process ?? {};
			const pid = nextPid++;
			res.writeHead(200, { "content-type": "application/connect+json" });
			res.write(frame(0, { event: { start: { pid } } }));
			const run = machine.run(id, [proc.cmd, ...(proc.args ?? [])], {
				cwd: proc.cwd,
				env: proc.envs,
				onStdout: (chunk) => res.write(frame(0, { event: { data: { stdout: chunk.toString("base64") } } })),
				onStderr: (chunk) => res.write(frame(0, { event: { data: { stderr: chunk.toString("base64") } } })),
			});
			const kills = runs.get(id) ?? new Map<number, () => void>();
			runs.set(id, kills);
			kills.set(pid, run.kill);
			const deadline = Number(req.headers["connect-timeout-ms"] ?? 0);
			const timer = deadline > 0 ? setTimeout(run.kill, deadline) : undefined;
			// envd pings idle streams at the interval the SDK asks for (seconds).
			const pingSeconds = Number(req.headers["keepalive-ping-interval"] ?? 0);
			const ping =
				pingSeconds > 0
					? setInterval(() => res.write(frame(0, { event: { keepalive: {} } })), pingSeconds * 1000)
					: undefined;
			res.on("close", () => {
				if (!res.writableFinished) run.kill();
			});
			const { exitCode, signal } = await run.done;
			if (timer) clearTimeout(timer);
			if (ping) clearInterval(ping);
			kills.delete(pid);
			const code = exitCode ?? -1;
			res.write(
				frame(0, {
					event: {
						end: {
							exitCode: code,
							exited: exitCode !== null,
							status: signal ? `signal: ${signal}` : `exit status ${code}`,
							...(code !== 0 ? { error: signal ? `signal: ${signal}` : `exit status ${code}` } : {}),
						},
					},
				}),
			);
			res.end(frame(2, {}));
			return;
		}
		if (path === "/process.Process/SendSignal") {
			const request = JSON.parse((await readBody(req)).toString() || "{}");
			const kill = runs.get(id)?.get(Number(request.process?.pid));
			if (!kill) return sendJson(res, 404, { code: "not_found", message: "process not found" });
			kill();
			return sendJson(res, 200, {});
		}
		return sendJson(res, 404, { code: "unimplemented", message: `no route ${path}` });
	}

	function handleEdge(req: IncomingMessage, res: ServerResponse, match: RegExpExecArray): void {
		const record = live(match[1]);
		if (record?.state !== "running") {
			sendJson(res, 502, { sandboxId: match[1], message: "The sandbox was not found" });
			return;
		}
		const upstream = httpRequest(
			{
				host: "127.0.0.1",
				port: Number(match[2]),
				path: match[3] || "/",
				method: req.method,
				headers: req.headers,
			},
			(response) => {
				res.writeHead(response.statusCode ?? 502, response.headers);
				response.pipe(res);
			},
		);
		upstream.on("error", () =>
			sendJson(res, 502, { message: `no service is listening on port ${match[2]}`, port: Number(match[2]) }),
		);
		req.pipe(upstream);
	}

	const server: Server = createServer((req, res) => {
		const url = new URL(req.url ?? "/", "http://fake");
		const key = `${req.method} ${url.pathname}`;
		requests.push(key);
		const failure = failures.find((candidate) => candidate.match.test(key) && candidate.count > 0);
		if (failure) {
			failure.count--;
			req.resume();
			return sendJson(
				res,
				failure.status,
				failure.body ?? { code: failure.status, message: "injected failure" },
			);
		}
		const edge = /^\/port\/([^/]+)\/(\d+)(\/.*)?$/.exec(url.pathname);
		const handler = edge
			? Promise.resolve(handleEdge(req, res, edge))
			: req.headers["e2b-sandbox-id"]
				? handleEnvd(req, res, url)
				: handleApi(req, res, url);
		handler.catch((error: unknown) => {
			if (!res.headersSent) sendJson(res, 500, { code: 500, message: String(error) });
			else res.end();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		apiKey,
		machine,
		requests,
		failNext(match, status, count = 1, body) {
			failures.push({ match, status, count, body });
		},
		async close() {
			machine.killAll();
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
