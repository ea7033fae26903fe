export type { SandboxRecord, SandboxState } from "./mapper";
export * from "./service";
