import type { ObjectStoreConfig } from "./create-object-store";

/** The object-store settings (`OBJECT_STORE`, `S3_*`) as the environment schema parses them. */
export interface ObjectStoreEnv {
	OBJECT_STORE: "local" | "s3";
	S3_BUCKET?: string | undefined;
	S3_REGION: string;
	S3_ENDPOINT?: string | undefined;
	S3_FORCE_PATH_STYLE?: boolean | undefined;
	S3_ACCESS_KEY_ID?: string | undefined;
	S3_SECRET_ACCESS_KEY?: string | undefined;
	S3_KEY_PREFIX: string;
}

/** Raised for settings that cannot build a store; the message names the keys. */
export class ObjectStoreConfigError extends Error {
	override name = "ObjectStoreConfigError";
}

/**
 * The store an app's environment asks for: `local` keeps objects in `localDirectory`; `s3` needs
 * `S3_BUCKET`, and both access-key settings or neither (then the SDK's default chain).
 */
export function objectStoreConfigFromEnv(
	env: ObjectStoreEnv,
	options: { localDirectory: string },
): ObjectStoreConfig {
	if (env.OBJECT_STORE === "local") return { kind: "local", directory: options.localDirectory };
	if (!env.S3_BUCKET) throw new ObjectStoreConfigError("S3_BUCKET is required when OBJECT_STORE=s3");
	if (Boolean(env.S3_ACCESS_KEY_ID) !== Boolean(env.S3_SECRET_ACCESS_KEY))
		throw new ObjectStoreConfigError(
			"S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are set together (or both left out for the default chain)",
		);
	return {
		kind: "s3",
		bucket: env.S3_BUCKET,
		region: env.S3_REGION,
		...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}),
		...(env.S3_FORCE_PATH_STYLE !== undefined ? { forcePathStyle: env.S3_FORCE_PATH_STYLE } : {}),
		...(env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
			? { credentials: { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY } }
			: {}),
		...(env.S3_KEY_PREFIX ? { keyPrefix: env.S3_KEY_PREFIX } : {}),
	};
}
