import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSilentLogger } from "@proliferate/logger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InternetProxy } from "./internet-proxy";
import { LocalSandboxProvider } from "./local-provider";

const root = mkdtempSync(join(tmpdir(), "internet-proxy-"));
/** Stands in for "the internet": 127.0.0.2 is opened by the operator's allow list, 127.0.0.1 is not. */
let outside: Server;
let port: number;
let provider: LocalSandboxProvider;

beforeAll(async () => {
	outside = createServer((request, response) => response.end(`outside saw ${request.method} ${request.url}`));
	await new Promise<void>((resolve) => outside.listen(0, "0.0.0.0", resolve));
	port = (outside.address() as AddressInfo).port;
	provider = new LocalSandboxProvider({
		dataDirectory: join(root, "data"),
		internet: { allowCidrs: ["127.0.0.2/32"], allowedPorts: [80, 443, port] },
	});
});

afterAll(async () => {
	await provider?.shutdown();
	outside?.close();
	rmSync(root, { recursive: true, force: true });
});

describe("internet egress proxy", () => {
	it("refuses loopback, private, link-local and reserved addresses, and closed ports", async () => {
		const proxy = new InternetProxy({ logger: createSilentLogger() });
		for (const address of [
			"127.0.0.1",
			"10.1.2.3",
			"172.20.0.5",
			"192.168.1.10",
			"169.254.169.254",
			"100.64.0.1",
			"0.0.0.0",
			"::1",
			"::ffff:10.0.0.1",
			"fd12::1",
			"fe80::1",
		]) {
			expect(proxy.isForbiddenAddress(address), address).toBe(true);
		}
		for (const address of ["1.1.1.1", "140.82.112.3", "2606:4700::1111"]) {
			expect(proxy.isForbiddenAddress(address), address).toBe(false);
		}
		expect(await proxy.vet("localhost", 443)).toMatchObject({ allowed: false, status: 403 });
		expect(await proxy.vet("1.1.1.1", 22)).toMatchObject({
			allowed: false,
			reason: "port 22 is not open to sandboxes",
		});
		expect(await proxy.vet("no-such-host.invalid", 443)).toMatchObject({ allowed: false, status: 502 });
		expect(() => new InternetProxy({ logger: createSilentLogger(), allowCidrs: ["10.0.0.0"] })).toThrow(
			/not a CIDR/,
		);
	});

	it("lets a sandbox reach allowed addresses through the proxy (HTTP and CONNECT) and nothing else", async () => {
		const sandbox = await provider.createSandbox({ sessionId: null, organizationId: null });
		try {
			const environment = await provider.exec(sandbox.sandboxId, [
				"sh",
				"-c",
				"echo $HTTPS_PROXY; echo $NO_PROXY",
			]);
			const [proxyUrl, noProxy] = environment.stdout.trim().split("\n");
			expect(proxyUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
			expect(noProxy).toBe("127.0.0.1,localhost");
			const plain = await provider.exec(sandbox.sandboxId, ["curl", "-sS", `http://127.0.0.2:${port}/plain`]);
			expect(plain.stdout).toBe("outside saw GET /plain");
			const tunnelled = await provider.exec(sandbox.sandboxId, [
				"curl",
				"-sS",
				"-p",
				`http://127.0.0.2:${port}/tunnel`,
			]);
			expect(tunnelled.stdout).toBe("outside saw GET /tunnel");
			const loopback = await provider.exec(
				sandbox.sandboxId,
				["curl", "-sS", "--noproxy", "", "-x", proxyUrl ?? "", `http://127.0.0.1:${port}/`],
				{ allowFailure: true },
			);
			expect(loopback.stdout).toContain("a loopback, private or reserved address sandboxes may not reach");
			const postgres = await provider.exec(
				sandbox.sandboxId,
				["curl", "-sS", "-p", "--noproxy", "", "-x", proxyUrl ?? "", "http://127.0.0.1:5432/"],
				{ allowFailure: true },
			);
			expect(postgres.exitCode).not.toBe(0);
			expect(postgres.stderr).toMatch(/CONNECT tunnel failed, response 403|Received HTTP code 403/);
			const direct = await provider.exec(
				sandbox.sandboxId,
				["curl", "-sS", "--noproxy", "*", "--max-time", "5", `http://127.0.0.2:${port}/`],
				{ allowFailure: true },
			);
			expect(direct.exitCode).not.toBe(0);
		} finally {
			await provider.terminate(sandbox.sandboxId);
		}
	});
});
