import { type CreateSandboxOptions, SANDBOX_MCP_PORT } from "@proliferate/shared";
import { OPENCODE_PORT } from "./boot-spec";

/**
 * How every warm-pool sandbox is made and when it is too old to hand out, shared by the gateway's
 * in-process keeper and the worker's `warm-pool-refill` job so the two fill pools alike.
 */
export function warmSandboxSettings(lifetimeSeconds: number): {
	createOptions: Omit<CreateSandboxOptions, "sessionId" | "organizationId">;
	minRemainingSeconds: number;
} {
	return {
		// Opened at creation: Modal cannot add tunnels to a running sandbox.
		createOptions: { lifetimeSeconds, ports: [OPENCODE_PORT, SANDBOX_MCP_PORT] },
		// A claimed sandbox leaves the pool with at least this much lifetime (at most 10 minutes).
		minRemainingSeconds: Math.min(600, Math.floor(lifetimeSeconds / 2)),
	};
}
