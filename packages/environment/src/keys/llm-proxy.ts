import { z } from "zod";
import { httpUrl, port, secret } from "./helpers";

/** Upstream protocols: every kind but `anthropic` speaks OpenAI Chat Completions. */
export const llmProviderKinds = [
	"openai",
	"anthropic",
	"openrouter",
	"openai-compatible",
	"scripted",
] as const;
export type LlmProviderKind = (typeof llmProviderKinds)[number];

const pricePerMillion = z.number().min(0);

/** One upstream serving a public model. `baseUrl` ends before the endpoint (`…/v1`). */
export const llmDeploymentSchema = z.object({
	/** Names the deployment in metrics and the spend ledger (defaults to `<provider>:<model>`). */
	id: z.string().min(1).optional(),
	provider: z.enum(llmProviderKinds),
	baseUrl: httpUrl(),
	/** The model name the upstream knows (defaults to the public name). */
	model: z.string().min(1).optional(),
	/** Name of the environment variable holding the upstream API key (never the key itself). */
	apiKeyEnv: z.string().min(1).optional(),
	/** Time to wait for response headers and between body chunks before giving up on this upstream. */
	timeoutMs: z.number().int().positive().default(120_000),
	/** USD per 1M tokens; cache prices default to the input price. */
	price: z
		.object({
			input: pricePerMillion.default(0),
			output: pricePerMillion.default(0),
			cacheRead: pricePerMillion.optional(),
			cacheWrite: pricePerMillion.optional(),
		})
		.default({ input: 0, output: 0 }),
});

export const llmModelSchema = z.object({
	/** The public name clients ask for. */
	name: z.string().min(1),
	label: z.string().min(1).optional(),
	/** Tried in order: the next one answers when one fails (5xx, timeout, connection error). */
	deployments: z.array(llmDeploymentSchema).min(1),
});

export const llmModelCatalogSchema = z
	.object({ models: z.array(llmModelSchema).min(1) })
	.refine(
		(catalog) => new Set(catalog.models.map((model) => model.name)).size === catalog.models.length,
		"model names must be unique",
	);

export type LlmDeploymentConfig = z.infer<typeof llmDeploymentSchema>;
export type LlmModelCatalog = z.infer<typeof llmModelCatalogSchema>;

/** A JSON-encoded catalog in an environment variable; errors name the path inside the catalog. */
const catalogJson = z.string().transform((value, context): LlmModelCatalog => {
	let parsed: unknown;
	try {
		parsed = JSON.parse(value);
	} catch {
		context.addIssue({ code: "custom", message: "must be valid JSON" });
		return z.NEVER;
	}
	const result = llmModelCatalogSchema.safeParse(parsed);
	if (result.success) return result.data;
	context.addIssue({
		code: "custom",
		message: `is not a valid model catalog: ${result.error.issues
			.map((issue) => `${issue.path.join(".") || "(root)"} ${issue.message}`)
			.join("; ")}`,
	});
	return z.NEVER;
});

export const llmProxyKeys = {
	// ── LLM proxy
	/** Port of the LLM proxy. */
	LLM_PROXY_PORT: port(4200),
	/** URL of the LLM proxy as services (and local sandboxes, through a relay) reach it. */
	LLM_PROXY_URL: httpUrl().default("http://127.0.0.1:4200"),
	/** URL of the LLM proxy as remote sandboxes (E2B, Modal) reach it, when it differs from LLM_PROXY_URL. */
	LLM_PROXY_PUBLIC_URL: httpUrl().optional(),
	/** Secret the platform uses to call the proxy's internal API (minting virtual keys). */
	LLM_PROXY_ADMIN_SECRET: secret(),
	/** The model catalog as JSON (see llmModelCatalogSchema); wins over LLM_MODEL_CATALOG_PATH. */
	LLM_MODEL_CATALOG: catalogJson.optional(),
	/** Path to a JSON model catalog; with neither set, the catalog is the built-in scripted model ("demo"). */
	LLM_MODEL_CATALOG_PATH: z.string().optional(),
	/** How often (ms) and at how many pending entries the proxy writes spend to PostgreSQL. */
	LLM_SPEND_FLUSH_INTERVAL_MS: z.coerce.number().int().min(50).default(2000),
	LLM_SPEND_FLUSH_SIZE: z.coerce.number().int().min(1).default(500),
	/** Largest request body the proxy accepts (bigger ones get a 413; parsing a body blocks the event loop). */
	LLM_PROXY_MAX_BODY_BYTES: z.coerce
		.number()
		.int()
		.min(1024)
		.default(10 * 1024 * 1024),
	/** Upstream vendor keys (referenced by name from the catalog's `apiKeyEnv`). */
	ANTHROPIC_API_KEY: z.string().optional(),
	OPENAI_API_KEY: z.string().optional(),
	OPENROUTER_API_KEY: z.string().optional(),
	/** Port of the built-in scripted model server. */
	SCRIPTED_MODEL_PORT: port(4300),
} satisfies z.ZodRawShape;
