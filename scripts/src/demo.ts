/**
 * `make demo`: with `make start` running, starts a session on the demo repository through the
 * gateway and streams what the agent does to the terminal (text, tool calls, file changes).
 * Usage: make demo PROMPT="Add a shout() helper"
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createSyncClient, GatewayRequestError } from "@proliferate/gateway-clients";
import { createDb, orgs, repos } from "@proliferate/services";
import type { SessionEvent } from "@proliferate/shared";
import { signServiceToken } from "@proliferate/shared/auth";
import WebSocket from "ws";
import { bold, cyan, dim, green, red, SetupError, yellow } from "./lib/output";
import { dataDir } from "./lib/paths";
import { demoAccount } from "./seed";

function platformEnvironment(): Record<string, string> {
	const file = join(dataDir(), "platform.env");
	if (!existsSync(file))
		throw new SetupError("The platform is not running: start it with `make start` first.");
	return Object.fromEntries(
		readFileSync(file, "utf8")
			.split("\n")
			.filter((line) => line.includes("="))
			.map((line) => {
				const index = line.indexOf("=");
				return [line.slice(0, index), JSON.parse(line.slice(index + 1)) as string];
			}),
	);
}

async function main(): Promise<void> {
	const environment = platformEnvironment();
	const prompt = process.argv.slice(2).join(" ").trim() || "Please improve the demo app";
	const database = createDb(environment.DATABASE_URL ?? "", { max: 1 });
	const user = await orgs.findUserByEmail({ db: database.db }, demoAccount.email);
	if (!user) throw new SetupError("The demo organization is missing: run `make start` once.");
	const membership = (await orgs.listForUser({ db: database.db }, { userId: user.id }))[0];
	if (!membership) throw new SetupError("The demo user has no organization.");
	const organizationId = membership.organization.id;
	const repo = (await repos.listRepos({ db: database.db }, { organizationId })).find(
		(candidate) => candidate.name === demoAccount.repoName,
	);
	await database.close();
	if (!repo) throw new SetupError("The demo repository is missing: run `make start` once.");

	const token = await signServiceToken(
		{ service: "demo-cli", organizationId, ttlSeconds: 3600 },
		environment.SERVICE_TO_SERVICE_SECRET ?? "",
	);
	const gatewayUrl = environment.GATEWAY_URL ?? "http://localhost:4100";
	const client = createSyncClient({
		baseUrl: gatewayUrl,
		auth: { type: "token", token },
		source: "cli",
		WebSocket: WebSocket as never,
	});
	const { session } = await client.http.createSession({
		repoId: repo.id,
		title: prompt.slice(0, 60),
		initialPrompt: prompt,
	});
	process.stdout.write(`${bold("Session")} ${session.id} on ${repo.name}\n${dim(`prompt: ${prompt}`)}\n\n`);

	let answered = false;
	let atLineStart = true;
	const line = (text: string) => {
		process.stdout.write(`${atLineStart ? "" : "\n"}${text}\n`);
		atLineStart = true;
	};
	await new Promise<void>((resolve) => {
		const stream = client.connect(session.id, {
			onEvent: (event: SessionEvent) => {
				switch (event.type) {
					case "session.status":
						if (event.message && event.status !== "idle")
							process.stdout.write(`${dim(`[${event.status}] ${event.message}`)}\n`);
						if (event.status === "failed") {
							stream.close();
							resolve();
						}
						if (event.status === "idle" && answered) {
							stream.close();
							resolve();
						}
						return;
					case "message.delta":
						process.stdout.write(event.delta);
						atLineStart = event.delta.endsWith("\n");
						return;
					case "message.completed":
						if (event.finishReason === "stop") answered = true;
						if (!atLineStart) line("");
						return;
					case "tool.completed": {
						const detail = event.status === "completed" ? (event.title ?? "") : (event.error ?? "failed");
						const output =
							event.tool === "bash" ? (event.output ?? "").trim().split("\n").slice(-2).join(" ⏎ ") : "";
						line(
							`${event.status === "completed" ? green("✓") : red("✗")} ${cyan(event.tool)} ${detail}${output ? dim(` — ${output.slice(0, 160)}`) : ""}`,
						);
						return;
					}
					case "file.changed":
						line(`${yellow(`± ${event.path}`)} ${dim(event.change)}`);
						return;
					case "error":
						line(red(`error: ${event.message}`));
						return;
					default:
						return;
				}
			},
		});
	});
	process.stdout.write(
		`\n${dim(`Session ${session.id} stays running; the gateway pauses or you terminate it.`)}\n`,
	);
}

main().catch((error: unknown) => {
	const message =
		error instanceof SetupError || error instanceof GatewayRequestError
			? error.message
			: error instanceof Error
				? (error.stack ?? error.message)
				: String(error);
	process.stderr.write(`${red("✗")} ${message}\n`);
	process.exit(1);
});
