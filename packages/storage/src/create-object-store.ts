import { LocalDirectoryObjectStore } from "./local-store";
import type { ObjectStore } from "./object-store";
import { S3ObjectStore, type S3ObjectStoreConfig } from "./s3-store";

export type ObjectStoreConfig = { kind: "local"; directory: string } | ({ kind: "s3" } & S3ObjectStoreConfig);

export function createObjectStore(config: ObjectStoreConfig): ObjectStore {
	if (config.kind === "local") return new LocalDirectoryObjectStore(config.directory);
	const { kind: _kind, ...s3 } = config;
	return new S3ObjectStore(s3);
}
