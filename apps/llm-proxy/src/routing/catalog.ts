import type { LlmModelCatalog, LlmProviderKind } from "@proliferate/environment";
import { llmModelCatalogSchema } from "@proliferate/environment";

/** The two wire protocols the proxy serves; each provider kind speaks one of them. */
export type LlmProtocol = "openai" | "anthropic";

export const protocolOf = (provider: LlmProviderKind): LlmProtocol =>
	provider === "anthropic" ? "anthropic" : "openai";

/** USD per 1M tokens. */
export interface TokenPrices {
	input: number;
	output: number;
	cacheRead: number;
	cacheWrite: number;
}

export interface Deployment {
	id: string;
	provider: LlmProviderKind;
	protocol: LlmProtocol;
	/** Origin (scheme://host:port) and path prefix of the upstream, split for the connection pool. */
	origin: string;
	basePath: string;
	/** The path requests go to: basePath + `/chat/completions` (OpenAI kinds) or `/messages` (Anthropic). */
	requestPath: string;
	/** The model name the upstream knows. */
	model: string;
	apiKey: string | undefined;
	timeoutMs: number;
	price: TokenPrices;
}

export interface ModelRoute {
	name: string;
	label: string;
	deployments: Deployment[];
}

export class CatalogError extends Error {
	override name = "CatalogError";
}

/** The catalog used when none is configured: the built-in scripted model as "demo". */
export function defaultCatalogConfig(scriptedModelPort: number): LlmModelCatalog {
	return llmModelCatalogSchema.parse({
		models: [
			{
				name: "demo",
				label: "Scripted demo model",
				deployments: [
					{
						id: "scripted",
						provider: "scripted",
						baseUrl: `http://127.0.0.1:${scriptedModelPort}/v1`,
						timeoutMs: 60_000,
					},
				],
			},
		],
	});
}

/** Public model names → ordered deployments, with upstream keys resolved from `environment`. */
export class ModelCatalog {
	private readonly routes: Map<string, ModelRoute>;

	constructor(config: LlmModelCatalog, environment: Record<string, string | undefined>) {
		this.routes = new Map(
			config.models.map((model) => [
				model.name,
				{
					name: model.name,
					label: model.label ?? model.name,
					deployments: model.deployments.map((deployment) => {
						const url = new URL(deployment.baseUrl);
						const apiKey = deployment.apiKeyEnv ? environment[deployment.apiKeyEnv] : undefined;
						if (deployment.apiKeyEnv && !apiKey)
							throw new CatalogError(
								`model ${model.name}: ${deployment.apiKeyEnv} (the API key of ${deployment.provider} at ${deployment.baseUrl}) is not set`,
							);
						const upstreamModel = deployment.model ?? model.name;
						return {
							id: deployment.id ?? `${deployment.provider}:${upstreamModel}`,
							provider: deployment.provider,
							protocol: protocolOf(deployment.provider),
							origin: url.origin,
							basePath: url.pathname.replace(/\/+$/, ""),
							requestPath: `${url.pathname.replace(/\/+$/, "")}${protocolOf(deployment.provider) === "anthropic" ? "/messages" : "/chat/completions"}`,
							model: upstreamModel,
							apiKey,
							timeoutMs: deployment.timeoutMs,
							price: {
								input: deployment.price.input,
								output: deployment.price.output,
								cacheRead: deployment.price.cacheRead ?? deployment.price.input,
								cacheWrite: deployment.price.cacheWrite ?? deployment.price.input,
							},
						} satisfies Deployment;
					}),
				},
			]),
		);
	}

	get(name: string): ModelRoute | undefined {
		return this.routes.get(name);
	}

	list(): ModelRoute[] {
		return [...this.routes.values()];
	}
}

/** Parses a catalog from JSON text (a file's content), naming what is wrong. */
export function parseCatalogJson(text: string, source: string): LlmModelCatalog {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (error) {
		throw new CatalogError(`${source} is not valid JSON: ${(error as Error).message}`);
	}
	const result = llmModelCatalogSchema.safeParse(value);
	if (!result.success)
		throw new CatalogError(
			`${source} is not a valid model catalog: ${result.error.issues
				.map((issue) => `${issue.path.join(".") || "(root)"} ${issue.message}`)
				.join("; ")}`,
		);
	return result.data;
}
