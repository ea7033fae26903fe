export * from "./apps";
export {
	type LlmDeploymentConfig,
	type LlmModelCatalog,
	type LlmProviderKind,
	llmDeploymentSchema,
	llmModelCatalogSchema,
	llmProviderKinds,
} from "./keys/llm-proxy";
export { EnvironmentError, loadEnvironmentOrExit, parseEnvironment } from "./parse";
export { type Env, type EnvKey, envSchema, envShape } from "./schema";
