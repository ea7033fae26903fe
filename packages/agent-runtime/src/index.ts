export {
	AGENT_RUNTIME_HOST_DIR,
	AGENT_RUNTIME_SANDBOX_DIR,
	buildOpencodeBootSpec,
	egressEnvironmentName,
	OPENCODE_IMAGE_BINARY,
	OPENCODE_PORT,
	OPENCODE_PROVIDER_ID,
	OPENCODE_SANDBOX_DIR,
	type OpencodeBootInput,
	type OpencodeBootSpec,
} from "./boot-spec";
export { OpencodeEventMapper } from "./event-mapper";
export { MAX_MODEL_RETRIES, modelRetriesExhausted } from "./model-retry-guard";
export { OPENCODE_VERSION, type OpencodeBinary, resolveOpencodeBinary } from "./opencode-binary";
export {
	AgentBootError,
	AgentRequestError,
	AgentRuntime,
	type AgentRuntimeOptions,
	type OpencodeEvent,
	type PromptInput,
	type SessionEventsOptions,
} from "./runtime-client";
export * from "./warm-sandbox";
