import { mkdirSync, rmSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import type { SandboxEgressRoute } from "@proliferate/shared";
import { createHttpEgressRelay } from "./http-relay";

function pipeBoth(a: Socket, b: Socket): void {
	a.on("error", () => b.destroy());
	b.on("error", () => a.destroy());
	a.pipe(b);
	b.pipe(a);
}

function listen(server: Server, ...args: [number, string] | [string]): Promise<void> {
	return new Promise((resolvePromise, reject) => {
		server.once("error", reject);
		server.listen(...(args as [number, string]), () => {
			server.off("error", reject);
			resolvePromise();
		});
	});
}

/**
 * The host half of a sandbox's relays. Inbound: a TCP listener on 127.0.0.1 (ephemeral port) per
 * exposed sandbox port, forwarding to the unix socket the supervisor serves. Outbound: a unix socket
 * per egress target in the sandbox's run dir, forwarding to the target's host:port.
 */
export class HostRelays {
	private readonly servers: Server[] = [];
	private readonly portUrls = new Map<number, string>();

	constructor(private readonly runDir: string) {
		mkdirSync(join(runDir, "egress"), { recursive: true });
	}

	async exposePort(port: number): Promise<string> {
		const existing = this.portUrls.get(port);
		if (existing) return existing;
		const target = join(this.runDir, "ports", `${port}.sock`);
		const server = createServer((inbound) => pipeBoth(inbound, connect(target)));
		await listen(server, 0, "127.0.0.1");
		this.servers.push(server);
		const address = server.address();
		if (!address || typeof address === "string") throw new Error("relay listener has no port");
		const url = `http://127.0.0.1:${address.port}`;
		this.portUrls.set(port, url);
		return url;
	}

	/**
	 * Opens the host half of an egress target: a plain TCP relay, or, when the target names the
	 * routes the sandbox may call, an HTTP relay that refuses every other request (http-relay.ts).
	 */
	async openEgress(name: string, targetUrl: string, allow?: SandboxEgressRoute[]): Promise<void> {
		const url = new URL(targetUrl);
		const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
		const host = url.hostname === "localhost" ? "127.0.0.1" : url.hostname.replace(/^\[|\]$/g, "");
		const path = join(this.runDir, "egress", `${name}.sock`);
		rmSync(path, { force: true });
		if (allow && url.protocol !== "http:")
			throw new Error(`egress target ${name}: routes can only be enforced on http:// targets`);
		const server = allow
			? createHttpEgressRelay({ name, targetUrl, routes: allow })
			: createServer((outbound) => pipeBoth(outbound, connect(port, host)));
		await listen(server, path);
		this.servers.push(server);
	}

	ports(): Record<number, string> {
		return Object.fromEntries(this.portUrls);
	}

	close(): void {
		for (const server of this.servers.splice(0)) {
			server.close();
			// An HTTP relay's keep-alive connections would hold it open.
			if ("closeAllConnections" in server && typeof server.closeAllConnections === "function")
				server.closeAllConnections();
		}
		this.portUrls.clear();
	}
}
