export {
	type LocalProviderConfig,
	LocalSandboxProvider,
	type RuntimeMount,
	sandboxPaths,
} from "./providers/local/index";
