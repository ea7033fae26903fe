export type { RuntimeMount } from "./bwrap-args";
export { detectCgroups, type ResourceUsage } from "./cgroups";
export { sandboxPaths } from "./layout";
export { type LocalProviderConfig, LocalSandboxProvider } from "./local-provider";
