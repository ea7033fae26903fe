import { Writable } from "node:stream";
import { createRouterClient } from "@orpc/server";
import { createLogger } from "@proliferate/logger";
import { createDb, type DatabaseHandle, orgs } from "@proliferate/services";
import { createTcpRelay, type TcpRelay } from "@proliferate/vitest-setup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebContext, type WebContext } from "./context";
import { appRouter } from "./routers/index";
import { createWebHarness, type TestUser, type WebHarness } from "./testing/harness";

/**
 * PostgreSQL briefly gone (auth-orgs.md § Threat and fault model): the web app's procedures answer a
 * generic 500 that names no database detail, write nothing, log the failure without the queries'
 * bound values, and work again once the database is back, without a restart.
 */
describe("the web API while PostgreSQL is briefly unavailable", () => {
	let harness: WebHarness;
	let relay: TcpRelay;
	let database: DatabaseHandle;
	let web: WebContext;
	let owner: TestUser;
	let organizationId: string;
	const lines: string[] = [];

	beforeAll(async () => {
		harness = await createWebHarness();
		owner = await harness.createUser({ email: "owner@outage.dev" });
		organizationId = (await harness.clientFor(owner.headers).orgs.create({ name: "Outage" })).id;
		const direct = new URL(harness.env.DATABASE_URL);
		relay = await createTcpRelay({ host: direct.hostname, port: Number(direct.port || 5432) });
		const relayed = new URL(direct);
		relayed.host = `127.0.0.1:${relay.port}`;
		database = createDb(relayed.toString(), { max: 2 });
		const destination = new Writable({
			write(chunk, _encoding, done) {
				lines.push(String(chunk));
				done();
			},
		});
		web = createWebContext(
			{ ...harness.env, DATABASE_URL: relayed.toString() },
			{ database, logger: createLogger({ service: "web", level: "info", destination }), ipRateLimit: false },
		);
	});
	afterAll(async () => {
		await database?.close();
		await relay?.close();
		await harness?.close();
	});

	const client = () => createRouterClient(appRouter, { context: { web, headers: owner.headers } });

	it("answers a generic 500 while the database is gone, logs it without query values, and serves again once it is back", async () => {
		expect((await client().orgs.get()).organization.id).toBe(organizationId);

		await relay.goDown();
		const failures = await Promise.allSettled([
			client().orgs.create({ name: "Created during the outage" }),
			client().orgs.rename({ name: "Renamed during the outage" }),
			client().apiKeys.create({ name: "during-outage" }),
		]);
		for (const failure of failures) {
			expect(failure.status).toBe("rejected");
			if (failure.status !== "rejected") continue;
			expect(failure.reason).toMatchObject({
				code: "INTERNAL_SERVER_ERROR",
				message: "Something went wrong",
			});
			expect(JSON.stringify(failure.reason)).not.toContain(harness.env.DATABASE_URL);
		}
		const log = lines.join("\n");
		expect(log).toContain("unexpected error in a procedure");
		// The failed queries' bound values (the session token looked up) stay out of the log.
		const sessionToken = decodeURIComponent(owner.headers.get("cookie")?.split("=")[1]?.split(".")[0] ?? "");
		expect(sessionToken.length).toBeGreaterThan(10);
		expect(log).toContain("auth_sessions");
		expect(log).not.toContain(sessionToken);

		await relay.comeBack();
		// Nothing of the failed requests was written.
		const memberships = await orgs.listForUser(harness.web.services, { userId: owner.id });
		const names = memberships.map((membership) => membership.organization.name);
		expect(names).toHaveLength(2);
		expect(names).toContain("Outage");
		expect((await harness.clientFor(owner.headers).apiKeys.list()).map((key) => key.name)).toEqual([]);

		// The same process serves again once the database is back.
		expect((await client().orgs.rename({ name: "Outage over" })).name).toBe("Outage over");
		expect((await client().orgs.get()).organization.name).toBe("Outage over");
	});
});
