export type { RuntimeMount } from "./bwrap-args";
export { sandboxPaths } from "./layout";
export { type LocalProviderConfig, LocalSandboxProvider } from "./local-provider";
