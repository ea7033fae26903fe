export type { RuntimeMount } from "./bwrap-args";
export type { ResourceUsage } from "./cgroups";
export { sandboxPaths } from "./layout";
export { type LocalProviderConfig, LocalSandboxProvider } from "./local-provider";
