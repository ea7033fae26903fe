import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DomainError } from "@proliferate/shared/errors";
import {
	createTerminalRequest,
	fileTreeQuery,
	gitDiffQuery,
	readFileQuery,
	resizeTerminalRequest,
	serviceLogsQuery,
	serviceName,
	startServiceRequest,
} from "@proliferate/shared/sandbox";
import { hasValidToken } from "./auth";
import { parseInput, UnauthorizedError } from "./errors";
import { fileTree, readWorkspaceFile } from "./files";
import { gitDiff, gitStatus } from "./git";
import { type ErrorReporter, queryObject, readBody, sendError, sendJson } from "./http";
import { ServiceManager } from "./services";
import { createTerminalSockets } from "./terminal-sockets";
import { TerminalManager } from "./terminals";
import { resolveInWorkspace } from "./workspace-paths";

export interface SandboxMcpLogger extends ErrorReporter {
	info(fields: Record<string, unknown>, message: string): void;
	warn(fields: Record<string, unknown>, message: string): void;
}

export interface SandboxMcpOptions {
	/** The per-sandbox token every request must carry. */
	token: string;
	workspace: string;
	/** Where service logs go (`<logDirectory>/services/<name>.log`). */
	logDirectory: string;
	/** Environment for terminals, services and git. */
	env: Record<string, string>;
	savedServicesFile?: string;
	shell?: string;
	maxTerminals?: number;
	/** How long `expose` waits for a service's port to accept connections. */
	exposeTimeoutMs?: number;
	logger: SandboxMcpLogger;
}

export interface SandboxMcpServer {
	server: Server;
	services: ServiceManager;
	terminals: TerminalManager;
	listen(port: number, host?: string): Promise<number>;
	close(): Promise<void>;
}

type Route = (
	request: IncomingMessage,
	response: ServerResponse,
	url: URL,
	params: string[],
) => Promise<void>;

/** sandbox-mcp: terminals (WebSocket), services, file and git reads, behind the sandbox's token. */
export function createSandboxMcpServer(options: SandboxMcpOptions): SandboxMcpServer {
	const { workspace, logger } = options;
	const terminals = new TerminalManager({
		shell: options.shell ?? "/bin/bash",
		env: options.env,
		maxTerminals: options.maxTerminals ?? 16,
	});
	const services = new ServiceManager({
		workspace,
		logDirectory: `${options.logDirectory}/services`,
		env: options.env,
		resolveCwd: (path) => resolveInWorkspace(workspace, path),
		...(options.savedServicesFile ? { savedServicesFile: options.savedServicesFile } : {}),
	});
	const nameParam = (value: string | undefined) => parseInput(serviceName, decodeURIComponent(value ?? ""));

	const routes: [string, RegExp, Route][] = [
		["GET", /^\/health$/, async (_request, response) => sendJson(response, 200, { status: "ok" })],
		["GET", /^\/terminals$/, async (_request, response) => sendJson(response, 200, terminals.list())],
		[
			"POST",
			/^\/terminals$/,
			async (request, response) => {
				const body = await readBody(request, createTerminalRequest);
				const cwd = resolveInWorkspace(workspace, body.cwd ?? ".");
				const terminal = terminals.create({ cols: body.cols, rows: body.rows, cwd });
				logger.info({ terminalId: terminal.id }, "terminal opened");
				sendJson(response, 201, terminal);
			},
		],
		[
			"POST",
			/^\/terminals\/([^/]+)\/resize$/,
			async (request, response, _url, [id]) => {
				const body = await readBody(request, resizeTerminalRequest);
				sendJson(response, 200, terminals.resize(id ?? "", body.cols, body.rows));
			},
		],
		[
			"DELETE",
			/^\/terminals\/([^/]+)$/,
			async (_request, response, _url, [id]) => {
				terminals.close(id ?? "");
				sendJson(response, 200, { closed: true });
			},
		],
		["GET", /^\/services$/, async (_request, response) => sendJson(response, 200, services.list())],
		[
			"POST",
			/^\/services$/,
			async (request, response) => {
				const body = await readBody(request, startServiceRequest);
				const info = await services.start(body);
				logger.info({ service: info.name, pid: info.pid }, "service started");
				sendJson(response, 201, info);
			},
		],
		[
			"GET",
			/^\/services\/([^/]+)$/,
			async (_request, response, _url, [name]) => sendJson(response, 200, services.get(nameParam(name))),
		],
		[
			"POST",
			/^\/services\/([^/]+)\/stop$/,
			async (_request, response, _url, [name]) =>
				sendJson(response, 200, await services.stop(nameParam(name))),
		],
		[
			"POST",
			/^\/services\/([^/]+)\/restart$/,
			async (_request, response, _url, [name]) =>
				sendJson(response, 200, await services.restart(nameParam(name))),
		],
		[
			"POST",
			/^\/services\/([^/]+)\/expose$/,
			async (_request, response, _url, [name]) => {
				const service = nameParam(name);
				const port = await services.waitForPort(service, options.exposeTimeoutMs ?? 15_000);
				sendJson(response, 200, { name: service, port });
			},
		],
		[
			"GET",
			/^\/services\/([^/]+)\/logs$/,
			async (request, response, url, [name]) => {
				const service = nameParam(name);
				const query = parseInput(serviceLogsQuery, queryObject(url));
				const tail = services.tail(service, query.tail);
				if (!query.follow) return sendJson(response, 200, { name: service, text: tail });
				followLogs(request, response, service, tail);
			},
		],
		[
			"GET",
			/^\/files\/tree$/,
			async (_request, response, url) =>
				sendJson(response, 200, await fileTree(workspace, parseInput(fileTreeQuery, queryObject(url)))),
		],
		[
			"GET",
			/^\/files\/read$/,
			async (_request, response, url) =>
				sendJson(
					response,
					200,
					await readWorkspaceFile(workspace, parseInput(readFileQuery, queryObject(url))),
				),
		],
		[
			"GET",
			/^\/git\/status$/,
			async (_request, response) => sendJson(response, 200, await gitStatus(workspace, options.env)),
		],
		[
			"GET",
			/^\/git\/diff$/,
			async (_request, response, url) =>
				sendJson(
					response,
					200,
					await gitDiff(workspace, parseInput(gitDiffQuery, queryObject(url)), options.env),
				),
		],
	];

	function followLogs(request: IncomingMessage, response: ServerResponse, name: string, tail: string) {
		response.writeHead(200, {
			"content-type": "text/event-stream",
			"cache-control": "no-cache",
			connection: "keep-alive",
		});
		const send = (event: string, data: unknown) =>
			response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
		if (tail) send("log", { text: tail });
		const current = services.get(name);
		if (current.status !== "running") {
			send("exit", { exitCode: current.exitCode, signal: current.signal, status: current.status });
			response.end();
			return;
		}
		const heartbeat = setInterval(() => response.write(": keep-alive\n\n"), 15_000);
		const unsubscribe = services.follow(name, (event) => {
			if (event.kind === "log") send("log", { text: event.text });
			else {
				send("exit", { exitCode: event.info.exitCode, signal: event.info.signal, status: event.info.status });
				finish();
			}
		});
		function finish() {
			clearInterval(heartbeat);
			unsubscribe();
			response.end();
		}
		request.once("close", finish);
	}

	const server = createServer(async (request, response) => {
		const url = new URL(request.url ?? "/", "http://sandbox-mcp");
		try {
			if (!hasValidToken(request, options.token)) throw new UnauthorizedError();
			for (const [method, pattern, route] of routes) {
				const match = url.pathname.match(pattern);
				if (!match) continue;
				if (request.method !== method) continue;
				await route(request, response, url, match.slice(1));
				return;
			}
			throw new DomainError("not_found", "ROUTE_NOT_FOUND", `No route for ${request.method} ${url.pathname}`);
		} catch (error) {
			sendError(response, error, logger);
		}
	});

	const sockets = createTerminalSockets(terminals, options.token);
	server.on("upgrade", sockets.handleUpgrade);

	return {
		server,
		services,
		terminals,
		listen: (port, host = "127.0.0.1") =>
			new Promise((resolve, reject) => {
				server.once("error", reject);
				server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
			}),
		close: async () => {
			terminals.closeAll();
			await services.stopAll();
			sockets.close();
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
