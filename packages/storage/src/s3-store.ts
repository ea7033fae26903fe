import type { Readable } from "node:stream";
import {
	DeleteObjectCommand,
	GetObjectCommand,
	HeadObjectCommand,
	ListObjectsCommand,
	S3Client,
	S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import {
	assertObjectKey,
	assertObjectPrefix,
	DEFAULT_CONTENT_TYPE,
	type ListPage,
	type ObjectInfo,
	ObjectNotFoundError,
	type ObjectStore,
	ObjectStoreUnavailableError,
	type PutOptions,
	type StoredObject,
} from "./object-store";

export interface S3ObjectStoreConfig {
	bucket: string;
	region: string;
	/** Any S3-compatible endpoint (MinIO, R2, …); omitted for AWS. */
	endpoint?: string;
	/** Path-style URLs (`endpoint/bucket/key`), needed by most self-hosted servers. */
	forcePathStyle?: boolean;
	/** Omitted: the SDK's default chain (env, instance role, …). */
	credentials?: { accessKeyId: string; secretAccessKey: string };
	/** Every key is stored under this prefix (e.g. `proliferate/`), so one bucket can be shared. */
	keyPrefix?: string;
}

/**
 * Objects in an S3 bucket through `@aws-sdk/client-s3`. Streams of unknown length are uploaded with
 * `lib-storage` (multipart past 5 MiB). Checksums are sent only where S3 requires them, since
 * S3-compatible servers differ in which of the newer checksum headers they accept.
 */
export class S3ObjectStore implements ObjectStore {
	readonly kind = "s3" as const;
	private readonly client: S3Client;
	private readonly bucket: string;
	private readonly keyPrefix: string;

	constructor(config: S3ObjectStoreConfig) {
		this.bucket = config.bucket;
		this.keyPrefix = config.keyPrefix ?? "";
		if (this.keyPrefix) assertObjectPrefix(this.keyPrefix);
		this.client = new S3Client({
			region: config.region,
			...(config.endpoint ? { endpoint: config.endpoint } : {}),
			forcePathStyle: config.forcePathStyle ?? Boolean(config.endpoint),
			...(config.credentials ? { credentials: config.credentials } : {}),
			requestChecksumCalculation: "WHEN_REQUIRED",
			responseChecksumValidation: "WHEN_REQUIRED",
			maxAttempts: 3,
		});
	}

	async put(
		key: string,
		body: Buffer | Uint8Array | string | Readable,
		options: PutOptions = {},
	): Promise<ObjectInfo> {
		const storedKey = this.storedKey(key);
		const contentType = options.contentType ?? DEFAULT_CONTENT_TYPE;
		await this.call(() =>
			new Upload({
				client: this.client,
				params: { Bucket: this.bucket, Key: storedKey, Body: body, ContentType: contentType },
			}).done(),
		);
		const info = await this.head(key);
		if (!info) throw new ObjectStoreUnavailableError(`the object ${key} was not readable after its upload`);
		return info;
	}

	async get(key: string): Promise<StoredObject> {
		const response = await this.call(
			() => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.storedKey(key) })),
			key,
		);
		if (!response.Body) throw new ObjectNotFoundError(key);
		return {
			key,
			size: response.ContentLength ?? 0,
			contentType: response.ContentType ?? DEFAULT_CONTENT_TYPE,
			lastModified: response.LastModified ?? new Date(0),
			body: response.Body as Readable,
		};
	}

	async head(key: string): Promise<ObjectInfo | null> {
		try {
			const response = await this.call(
				() => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.storedKey(key) })),
				key,
			);
			return {
				key,
				size: response.ContentLength ?? 0,
				contentType: response.ContentType ?? DEFAULT_CONTENT_TYPE,
				lastModified: response.LastModified ?? new Date(0),
			};
		} catch (error) {
			if (error instanceof ObjectNotFoundError) return null;
			throw error;
		}
	}

	async delete(key: string): Promise<void> {
		await this.call(() =>
			this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.storedKey(key) })),
		);
	}

	async list(prefix: string, options: { limit?: number; cursor?: string } = {}): Promise<ListPage> {
		assertObjectPrefix(prefix);
		// ListObjects with `Marker` (the last key seen) rather than V2's continuation tokens: every
		// S3-compatible server supports it, and the cursor means the same as the local store's.
		const response = await this.call(() =>
			this.client.send(
				new ListObjectsCommand({
					Bucket: this.bucket,
					Prefix: this.keyPrefix + prefix,
					MaxKeys: Math.max(1, Math.min(options.limit ?? 1000, 1000)),
					...(options.cursor ? { Marker: this.keyPrefix + options.cursor } : {}),
				}),
			),
		);
		const objects = (response.Contents ?? []).flatMap((entry) =>
			entry.Key?.startsWith(this.keyPrefix)
				? [
						{
							key: entry.Key.slice(this.keyPrefix.length),
							size: entry.Size ?? 0,
							lastModified: entry.LastModified ?? new Date(0),
						},
					]
				: [],
		);
		const last = objects.at(-1);
		return response.IsTruncated && last ? { objects, cursor: last.key } : { objects };
	}

	async downloadUrl(key: string, options: { expiresInSeconds: number; filename?: string }): Promise<string> {
		const disposition = options.filename
			? `attachment; filename*=UTF-8''${encodeURIComponent(options.filename)}`
			: undefined;
		return getSignedUrl(
			this.client,
			new GetObjectCommand({
				Bucket: this.bucket,
				Key: this.storedKey(key),
				...(disposition ? { ResponseContentDisposition: disposition } : {}),
			}),
			{ expiresIn: Math.max(1, Math.min(options.expiresInSeconds, 7 * 24 * 3600)) },
		);
	}

	/** Closes the client's sockets. */
	close(): void {
		this.client.destroy();
	}

	private storedKey(key: string): string {
		assertObjectKey(key);
		return this.keyPrefix + key;
	}

	/** S3's "no such key" becomes `ObjectNotFoundError`; transport failures a typed unavailable error. */
	private async call<T>(work: () => Promise<T>, key?: string): Promise<T> {
		try {
			return await work();
		} catch (error) {
			if (error instanceof S3ServiceException) {
				if (
					key !== undefined &&
					(error.name === "NoSuchKey" || error.name === "NotFound" || error.$metadata?.httpStatusCode === 404)
				)
					throw new ObjectNotFoundError(key);
				if ((error.$metadata?.httpStatusCode ?? 0) >= 500)
					throw new ObjectStoreUnavailableError(
						`S3 answered ${error.$metadata.httpStatusCode} (${error.name})`,
					);
				throw error;
			}
			const code = (error as NodeJS.ErrnoException).code;
			if (
				code === "ECONNREFUSED" ||
				code === "ECONNRESET" ||
				code === "ETIMEDOUT" ||
				code === "ENOTFOUND" ||
				code === "EAI_AGAIN"
			)
				throw new ObjectStoreUnavailableError(code);
			throw error;
		}
	}
}
