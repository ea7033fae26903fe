export type { Artifact } from "./mapper";
export * from "./service";
