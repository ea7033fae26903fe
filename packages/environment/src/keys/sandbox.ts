import { z } from "zod";
import { booleanFlag } from "./helpers";

export const sandboxKeys = {
	// ── Sandboxes
	/** Which provider runs sandboxes for this deployment (per-org override in settings). */
	SANDBOX_PROVIDER: z.enum(["local", "e2b", "modal"]).default("local"),
	/** Allow the local provider to run without bubblewrap isolation (development only, loudly warned). */
	SANDBOX_ALLOW_UNISOLATED: booleanFlag(false),
	/** Let sandboxes reach the internet through the egress proxy (never private or loopback ranges). */
	SANDBOX_ALLOW_INTERNET: booleanFlag(false),
	/** Private CIDRs the egress proxy lets sandboxes reach anyway (comma-separated, e.g. an internal mirror). */
	SANDBOX_EGRESS_ALLOW_CIDRS: z
		.string()
		.default("")
		.transform((value) =>
			value
				.split(",")
				.map((part) => part.trim())
				.filter(Boolean),
		)
		.pipe(z.array(z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, "must be CIDRs like 10.1.2.0/24"))),
	/** Maximum sandbox lifetime in seconds; the gateway migrates before it ends. */
	SANDBOX_TIMEOUT_SECONDS: z.coerce.number().int().min(60).default(3600),
	/** Memory limit per sandbox in MB (cgroups; 0 = none). A sandbox that exceeds it is stopped. */
	SANDBOX_MEMORY_MB: z.coerce.number().int().min(0).default(4096),
	/** Maximum processes (and threads) per sandbox (cgroups; 0 = none). */
	SANDBOX_MAX_PROCESSES: z.coerce.number().int().min(0).default(2048),
	/** Disk a sandbox's home (workspace + agent state) may use, in MB, checked every 10 s (0 = none). */
	SANDBOX_DISK_MB: z.coerce.number().int().min(0).default(20_480),
	/** Relative CPU share per sandbox (cgroup cpu.shares; 1024 = one normal process; 0 = none). */
	SANDBOX_CPU_SHARES: z.coerce.number().int().min(0).max(262_144).default(1024),
	/** Pre-started scratch sandboxes kept warm per provider (the gateway refills them). */
	SANDBOX_WARM_POOL_SIZE: z.coerce.number().int().min(0).default(0),
	/** E2B API key (required when SANDBOX_PROVIDER=e2b or an organization picks e2b). */
	E2B_API_KEY: z.string().optional(),
	/** E2B domain (default e2b.app; self-hosted E2B uses its own). */
	E2B_DOMAIN: z.string().optional(),
	/** E2B control-plane URL override (default https://api.<E2B_DOMAIN>). */
	E2B_API_URL: z.url().optional(),
	/** E2B sandbox (envd) URL override, requests carrying `E2b-Sandbox-Id` (self-hosted proxies, tests). */
	E2B_SANDBOX_URL: z.url().optional(),
	/** URL of a sandbox's exposed port, `{port}` `{sandboxId}` `{domain}` substituted (default https://{port}-{sandboxId}.{domain}). */
	E2B_PORT_URL_TEMPLATE: z.string().optional(),
	/** E2B template built from packages/modal-sandbox's image (required with E2B_API_KEY). */
	E2B_TEMPLATE: z.string().optional(),
	/** Modal token (ak-…/as-…), required when SANDBOX_PROVIDER=modal or an organization picks modal. */
	MODAL_TOKEN_ID: z.string().optional(),
	MODAL_TOKEN_SECRET: z.string().optional(),
	/** Modal app sandboxes run in (`modal deploy packages/modal-sandbox/deploy.py` creates it). */
	MODAL_APP_NAME: z.string().default("proliferate-sandbox"),
	MODAL_ENVIRONMENT: z.string().optional(),
	/** Image sandboxes start from: the id deploy.py prints … */
	MODAL_IMAGE_ID: z.string().optional(),
	/** … or a registry tag when no image id is set. */
	MODAL_IMAGE: z.string().optional(),
	/** Modal API endpoint override (default https://api.modal.com); the Modal SDK reads it from the environment. */
	MODAL_SERVER_URL: z.url().optional(),
} satisfies z.ZodRawShape;
