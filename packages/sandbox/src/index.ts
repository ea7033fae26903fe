export {
	CREDENTIALS as SANDBOX_PROVIDER_SETTINGS,
	createSandboxProvider,
	type SandboxProviderEnv,
	SandboxProviderRegistry,
	type SandboxProvidersConfig,
	sandboxProvidersConfigFromEnv,
} from "./factory";
export { type E2BProviderConfig, E2BSandboxProvider } from "./providers/e2b/index";
export {
	type LocalProviderConfig,
	LocalSandboxProvider,
	type RuntimeMount,
	sandboxPaths,
} from "./providers/local/index";
export {
	type ModalClientLike,
	type ModalProviderConfig,
	ModalSandboxProvider,
} from "./providers/modal/index";
export { SandboxPausedError } from "./providers/remote/primitives";
