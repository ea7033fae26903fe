import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { SessionEvent } from "@proliferate/shared";
import type { SessionHub } from "../../hub/session-hub";

export const attackScriptPath = join(import.meta.dirname, "raw-attack.mjs");
/** The attack script's source, to copy into a sandbox. */
export const attackScript = (): string => readFileSync(attackScriptPath, "utf8");

export const frameAttacks = [
	"announced-17mib",
	"invalid-utf8",
	"unmasked",
	"reserved-opcode",
	"oversized",
	"flood",
] as const;
export type FrameAttack = (typeof frameAttacks)[number];

export interface AttackResult {
	case: FrameAttack;
	outcome: "closed" | "refused" | "timeout" | "error";
	status: number;
	closeCode: number | null;
	closeReason: string;
	/** The first text frames the attacker got. */
	texts: string[];
	/** Codes of the error frames it got (`FRAME_TOO_LARGE`, `RATE_LIMITED`, `INVALID_TOKEN`…). */
	errorCodes: string[];
	error?: string;
}

export interface AttackOptions {
	/** Wait for the stream's `ready` frame before attacking (an authenticated, attached client). */
	waitForReady: boolean;
	maxFrameBytes: number;
	floodFrames: number;
}

export function parseAttackOutput(stdout: string): AttackResult[] {
	return stdout
		.split("\n")
		.filter((line) => line.startsWith("{"))
		.map((line) => JSON.parse(line) as AttackResult);
}

/** Runs the raw-TCP attacker as a real node process on the host against `baseUrl` + `path`. */
export function attackFromHost(
	baseUrl: string,
	path: string,
	options: AttackOptions,
	cases: readonly FrameAttack[] = frameAttacks,
): Promise<AttackResult[]> {
	return new Promise((resolve, reject) => {
		execFile(
			process.execPath,
			[
				attackScriptPath,
				baseUrl,
				path,
				options.waitForReady ? "ready" : "none",
				String(options.maxFrameBytes),
				String(options.floodFrames),
				...cases,
			],
			{ timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
			(error, stdout, stderr) => {
				if (error) reject(new Error(`attacker failed: ${error.message}\n${stderr}`));
				else resolve(parseAttackOutput(stdout));
			},
		);
	});
}

/** The close code RFC 6455 prescribes for each attack (the gateway's answer once the frame is read). */
export const expectedCloseCode: Record<FrameAttack, number> = {
	"announced-17mib": 1009,
	"invalid-utf8": 1007,
	unmasked: 1002,
	"reserved-opcode": 1002,
	oversized: 1009,
	flood: 1008,
};

/**
 * Publishes an event every few milliseconds on `hub` while `during` runs; returns what was published,
 * so the caller can check an honest client got all of it, in order.
 */
export async function publishDuring(hub: SessionHub, during: () => Promise<void>): Promise<SessionEvent[]> {
	const published: SessionEvent[] = [];
	let running = true;
	const publisher = (async () => {
		let index = 0;
		while (running) {
			published.push(
				await hub.publish({
					type: "message.delta",
					messageId: "honest",
					partId: "p",
					delta: `tick ${index++}`,
				}),
			);
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
	})();
	try {
		await during();
	} finally {
		running = false;
		await publisher;
	}
	return published;
}
