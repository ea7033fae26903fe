export * from "./errors";
export type { ApiKey, ApiKeyUser } from "./mapper";
export * from "./service";
