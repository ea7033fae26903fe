export * from "./apps";
export { EnvironmentError, loadEnvironmentOrExit, parseEnvironment } from "./parse";
export { type Env, type EnvKey, envSchema, envShape } from "./schema";
