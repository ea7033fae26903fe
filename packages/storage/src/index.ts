export { ObjectStoreConfigError, type ObjectStoreEnv, objectStoreConfigFromEnv } from "./config-from-env";
export { createObjectStore, type ObjectStoreConfig } from "./create-object-store";
export { organizationObjectPrefix, sessionObjectPrefix } from "./keys";
export { LocalDirectoryObjectStore } from "./local-store";
export {
	assertObjectKey,
	InvalidObjectKeyError,
	type ListedObject,
	type ListPage,
	MAX_OBJECT_KEY_BYTES,
	type ObjectInfo,
	ObjectNotFoundError,
	type ObjectStore,
	ObjectStoreUnavailableError,
	type PutOptions,
	type StoredObject,
} from "./object-store";
export { S3ObjectStore, type S3ObjectStoreConfig } from "./s3-store";
