import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DomainError } from "@proliferate/shared/errors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { readBody, readJson, sendError, sendJson } from "./index";

const logged: { fields: Record<string, unknown>; message: string }[] = [];
const logger = {
	error: (fields: Record<string, unknown>, message: string) => logged.push({ fields, message }),
};
const bodyOptions = { drainLimitBytes: 4 * 1024 * 1024 };
const echoSchema = z.object({ name: z.string().min(1) });

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
	const path = request.url ?? "/";
	if (path === "/json") return sendJson(response, 201, { ok: true }, { "x-extra": "1" });
	if (path === "/domain-error") throw new DomainError("conflict", "BUSY", "Try again later");
	if (path === "/crash") throw new Error("password=hunter2 at db.ts:12");
	if (path === "/echo")
		return sendJson(response, 200, await readJson(request, echoSchema, { limitBytes: 1024 }));
	if (path === "/raw")
		return sendJson(response, 200, { bytes: (await readBody(request, 1024, bodyOptions)).length });
}

let server: Server;
let base = "";
beforeAll(async () => {
	server = createServer((request, response) => {
		handle(request, response).catch((error: unknown) => sendError(response, error, { logger }));
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("http-kit", () => {
	it("answers JSON with its length and the caller's headers", async () => {
		const response = await fetch(`${base}/json`);
		expect(response.status).toBe(201);
		expect(response.headers.get("content-type")).toBe("application/json");
		expect(response.headers.get("content-length")).toBe(String('{"ok":true}'.length));
		expect(response.headers.get("x-extra")).toBe("1");
	});

	it("answers a domain error with its status and code, anything else as a generic 500 (logged)", async () => {
		const domain = await fetch(`${base}/domain-error`);
		expect(domain.status).toBe(409);
		expect(await domain.json()).toEqual({
			error: { code: "BUSY", kind: "conflict", message: "Try again later" },
		});
		const crash = await fetch(`${base}/crash`);
		expect(crash.status).toBe(500);
		const text = await crash.text();
		expect(text).not.toContain("hunter2");
		expect(JSON.parse(text)).toEqual({
			error: { code: "INTERNAL", kind: "internal", message: "Internal error" },
		});
		expect(logged.at(-1)?.fields.err).toBeInstanceOf(Error);
	});

	it("parses JSON bodies with a schema", async () => {
		const post = (body: string) => fetch(`${base}/echo`, { method: "POST", body });
		expect(await (await post(JSON.stringify({ name: "ada" }))).json()).toEqual({ name: "ada" });
		const malformed = await post("{not json");
		expect(malformed.status).toBe(400);
		expect(await malformed.json()).toMatchObject({ error: { code: "INVALID_JSON" } });
		const invalid = await post(JSON.stringify({ name: "" }));
		expect(invalid.status).toBe(400);
		expect(await invalid.json()).toMatchObject({ error: { code: "INVALID_INPUT" } });
		expect((await post("")).status).toBe(400);
	});

	it("drains an oversized body still being sent and answers, instead of cutting the connection", async () => {
		for (const path of ["/echo", "/raw"]) {
			const response = await fetch(`${base}${path}`, { method: "POST", body: "x".repeat(2 * 1024 * 1024) });
			expect(response.status, path).toBe(400);
			expect(await response.json(), path).toMatchObject({ error: { code: "BODY_TOO_LARGE" } });
		}
		expect(await (await fetch(`${base}/raw`, { method: "POST", body: "x".repeat(1024) })).json()).toEqual({
			bytes: 1024,
		});
	});
});
