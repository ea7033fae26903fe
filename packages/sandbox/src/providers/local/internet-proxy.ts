import { lookup } from "node:dns/promises";
import {
	createServer,
	request as httpRequest,
	type IncomingMessage,
	type Server,
	type ServerResponse,
} from "node:http";
import { BlockList, connect, isIP } from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "@proliferate/logger";

/**
 * Address ranges a sandbox may never reach through the internet proxy: this machine, private
 * networks (where PostgreSQL, Redis, cloud metadata and the company's services live), link-local,
 * carrier-grade NAT, multicast and reserved space — for IPv4 and IPv6 (incl. IPv4-mapped).
 */
const forbiddenRanges: [string, number, "ipv4" | "ipv6"][] = [
	["0.0.0.0", 8, "ipv4"],
	["10.0.0.0", 8, "ipv4"],
	["100.64.0.0", 10, "ipv4"],
	["127.0.0.0", 8, "ipv4"],
	["169.254.0.0", 16, "ipv4"],
	["172.16.0.0", 12, "ipv4"],
	["192.0.0.0", 24, "ipv4"],
	["192.168.0.0", 16, "ipv4"],
	["198.18.0.0", 15, "ipv4"],
	["224.0.0.0", 4, "ipv4"],
	["240.0.0.0", 4, "ipv4"],
	["::", 128, "ipv6"],
	["::1", 128, "ipv6"],
	["64:ff9b:1::", 48, "ipv6"],
	["fc00::", 7, "ipv6"],
	["fe80::", 10, "ipv6"],
	["ff00::", 8, "ipv6"],
];

/** The egress target name the proxy is relayed into sandboxes under. */
export const internetEgressName = "internet";

export interface InternetProxyOptions {
	/** CIDRs an operator explicitly opens despite being private (e.g. an internal package mirror). */
	allowCidrs?: string[];
	/** Destination ports sandboxes may use (default 80 and 443). */
	allowedPorts?: number[];
	logger: Logger;
	connectTimeoutMs?: number;
}

/** Why a destination is refused, or null when it may be reached. */
export type EgressVerdict =
	| { allowed: true; address: string }
	| { allowed: false; status: number; reason: string };

/**
 * The sandbox's only way to the internet when an operator enables it: an HTTP proxy (CONNECT
 * tunnels for HTTPS, absolute-form requests for HTTP) that resolves each destination itself and
 * refuses loopback, private and reserved addresses. It connects to the address it checked, so a
 * DNS answer cannot change between the check and the connection.
 */
export class InternetProxy {
	private server: Server | undefined;
	private readonly forbidden = new BlockList();
	private readonly allowed = new BlockList();
	private readonly ports: Set<number>;
	private readonly sockets = new Set<Duplex>();
	url = "";

	constructor(private readonly options: InternetProxyOptions) {
		for (const [address, prefix, family] of forbiddenRanges)
			this.forbidden.addSubnet(address, prefix, family);
		for (const cidr of options.allowCidrs ?? []) {
			const [address = "", prefix = ""] = cidr.trim().split("/");
			const family = isIP(address) === 6 ? "ipv6" : "ipv4";
			if (!isIP(address) || !/^\d+$/.test(prefix))
				throw new Error(`${cidr} is not a CIDR (e.g. 10.1.2.0/24)`);
			this.allowed.addSubnet(address, Number(prefix), family);
		}
		this.ports = new Set(options.allowedPorts ?? [80, 443]);
	}

	isForbiddenAddress(address: string): boolean {
		const mapped = address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i)?.[1];
		const plain = mapped ?? address;
		const family = isIP(plain) === 6 ? "ipv6" : "ipv4";
		if (this.allowed.check(plain, family)) return false;
		return this.forbidden.check(plain, family);
	}

	/** Resolves `host` and decides whether the sandbox may connect to it on `port`. */
	async vet(host: string, port: number): Promise<EgressVerdict> {
		if (!this.ports.has(port)) {
			return { allowed: false, status: 403, reason: `port ${port} is not open to sandboxes` };
		}
		const bare = host.replace(/^\[|\]$/g, "");
		let addresses: string[];
		try {
			addresses = isIP(bare) ? [bare] : (await lookup(bare, { all: true })).map((entry) => entry.address);
		} catch {
			return { allowed: false, status: 502, reason: `${bare} does not resolve` };
		}
		if (addresses.length === 0) return { allowed: false, status: 502, reason: `${bare} does not resolve` };
		const blocked = addresses.find((address) => this.isForbiddenAddress(address));
		if (blocked) {
			return {
				allowed: false,
				status: 403,
				reason: `${bare} resolves to ${blocked}, a loopback, private or reserved address sandboxes may not reach`,
			};
		}
		return { allowed: true, address: addresses[0] as string };
	}

	async start(): Promise<string> {
		if (this.server) return this.url;
		const server = createServer((request, response) => void this.forward(request, response));
		server.on("connect", (request, socket, head) => void this.tunnel(request, socket, head));
		server.on("connection", (socket) => {
			this.sockets.add(socket);
			socket.on("close", () => this.sockets.delete(socket));
		});
		await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
		const address = server.address();
		if (!address || typeof address === "string") throw new Error("internet proxy has no port");
		this.server = server;
		this.url = `http://127.0.0.1:${address.port}`;
		return this.url;
	}

	private refuse(socket: Duplex, status: number, reason: string) {
		const text = `${reason}\n`;
		socket.end(
			`HTTP/1.1 ${status} ${status === 403 ? "Forbidden" : "Bad Gateway"}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
		);
	}

	/** CONNECT host:port — the HTTPS path. */
	private async tunnel(request: IncomingMessage, client: Duplex, head: Buffer) {
		client.on("error", () => {});
		const match = (request.url ?? "").match(/^(\[[^\]]+\]|[^:]+):(\d+)$/);
		if (!match) return this.refuse(client, 400, "CONNECT needs host:port");
		const [, host = "", portText = ""] = match;
		const verdict = await this.vet(host, Number(portText));
		this.options.logger.debug({ host, port: portText, allowed: verdict.allowed }, "sandbox egress");
		if (!verdict.allowed) return this.refuse(client, verdict.status, verdict.reason);
		const upstream = connect({
			host: verdict.address,
			port: Number(portText),
			timeout: this.options.connectTimeoutMs ?? 15_000,
		});
		upstream.once("connect", () => {
			upstream.setTimeout(0);
			client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
			if (head.length > 0) upstream.write(head);
			upstream.pipe(client);
			client.pipe(upstream);
		});
		const fail = (reason: string) => {
			if (!client.destroyed) this.refuse(client, 502, reason);
			upstream.destroy();
		};
		upstream.once("timeout", () => fail(`${host}:${portText} did not answer`));
		upstream.once("error", (error: Error) => fail(`${host}:${portText}: ${error.message}`));
		client.once("close", () => upstream.destroy());
	}

	/** Absolute-form HTTP requests (`GET http://host/path`). */
	private async forward(request: IncomingMessage, response: ServerResponse) {
		let target: URL;
		try {
			target = new URL(request.url ?? "");
			if (target.protocol !== "http:") throw new Error("not http");
		} catch {
			response
				.writeHead(400, { "content-type": "text/plain" })
				.end("This is a proxy: send absolute http:// URLs or CONNECT\n");
			return;
		}
		const port = Number(target.port || 80);
		const verdict = await this.vet(target.hostname, port);
		this.options.logger.debug({ host: target.hostname, port, allowed: verdict.allowed }, "sandbox egress");
		if (!verdict.allowed) {
			response.writeHead(verdict.status, { "content-type": "text/plain" }).end(`${verdict.reason}\n`);
			return;
		}
		const headers = { ...request.headers };
		delete headers["proxy-connection"];
		delete headers["proxy-authorization"];
		const upstream = httpRequest(
			{
				host: verdict.address,
				port,
				method: request.method,
				path: `${target.pathname}${target.search}`,
				headers: { ...headers, host: target.host },
				timeout: this.options.connectTimeoutMs ?? 15_000,
			},
			(upstreamResponse) => {
				response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
				upstreamResponse.pipe(response);
			},
		);
		upstream.on("timeout", () => upstream.destroy(new Error("timed out")));
		upstream.on("error", (error) => {
			if (!response.headersSent) response.writeHead(502, { "content-type": "text/plain" });
			response.end(`${target.host}: ${error.message}\n`);
		});
		request.pipe(upstream);
	}

	async close(): Promise<void> {
		const server = this.server;
		this.server = undefined;
		for (const socket of this.sockets) socket.destroy();
		if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
	}
}
