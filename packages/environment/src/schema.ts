import { z } from "zod";
import { coreKeys } from "./keys/core";
import { gatewayKeys } from "./keys/gateway";
import { integrationsKeys } from "./keys/integrations";
import { llmProxyKeys } from "./keys/llm-proxy";
import { sandboxKeys } from "./keys/sandbox";
import { webKeys } from "./keys/web";
import { workerKeys } from "./keys/worker";

/**
 * Every configuration key of the platform, in one schema (each section lives in `./keys/`).
 *
 * Each app parses the subset it needs (see `./apps.ts`) at boot and fails fast naming every
 * bad or missing key. Defaults are given only where they are safe for a self-hosted deployment;
 * secrets never have defaults (`make start` generates local ones under `.proliferate/`).
 */
export const envSchema = z.object({
	...coreKeys,
	...webKeys,
	...gatewayKeys,
	...llmProxyKeys,
	...sandboxKeys,
	...integrationsKeys,
	...workerKeys,
});

export type Env = z.infer<typeof envSchema>;
export type EnvKey = keyof Env;
export const envShape = envSchema.shape;
