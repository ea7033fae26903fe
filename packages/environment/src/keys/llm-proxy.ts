import { z } from "zod";
import { httpUrl, port, secret } from "./helpers";

export const llmProxyKeys = {
	// ── LLM proxy
	/** Port of the LLM proxy. */
	LLM_PROXY_PORT: port(4200),
	/** URL of the LLM proxy as services and sandboxes reach it. */
	LLM_PROXY_URL: httpUrl().default("http://127.0.0.1:4200"),
	/** Secret the platform uses to call the proxy's internal API (minting virtual keys). */
	LLM_PROXY_ADMIN_SECRET: secret(),
	/** Path to a JSON model catalog; the built-in catalog (scripted model + configured vendors) is used when unset. */
	LLM_MODEL_CATALOG_PATH: z.string().optional(),
	/** Upstream vendor keys (optional; the scripted model is used when none is set). */
	ANTHROPIC_API_KEY: z.string().optional(),
	OPENAI_API_KEY: z.string().optional(),
	OPENROUTER_API_KEY: z.string().optional(),
	/** Port of the built-in scripted model server. */
	SCRIPTED_MODEL_PORT: port(4300),
} satisfies z.ZodRawShape;
