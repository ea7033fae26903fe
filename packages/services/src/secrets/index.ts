export * from "./bundles";
export {
	ENV_IMPORT_MAX_BYTES,
	ENV_IMPORT_MAX_KEYS,
	type EnvImportChoice,
	type EnvImportStatus,
	parseEnvFile,
} from "./env-import";
export * from "./env-import-service";
export * from "./errors";
export { encryptionKeyId, type SealedSecret, SecretKeyring, secretContext } from "./keyring";
export type { SecretBundle, SecretSummary } from "./mapper";
export { assertSecretKey, isReservedSecretKey, SECRET_KEY_MAX_LENGTH, SECRET_VALUE_MAX_BYTES } from "./names";
export * from "./reseal";
export * from "./resolution";
export {
	mergeSecretLayers,
	type ResolvedSecret,
	type SecretLayer,
	type SecretSource,
	toEnvironment,
} from "./resolve";
export { type SecretScope, scopeKey } from "./scope";
export * from "./service";
