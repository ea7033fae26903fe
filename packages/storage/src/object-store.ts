import type { Readable } from "node:stream";
import { DomainError } from "@proliferate/shared";

/** What is known about a stored object without reading it. */
export interface ObjectInfo {
	key: string;
	size: number;
	contentType: string;
	lastModified: Date;
}

/** An object's bytes as a stream, with what is known about it. */
export interface StoredObject extends ObjectInfo {
	body: Readable;
}

export interface PutOptions {
	contentType?: string;
}

/** A listing entry (S3 listings carry no content type). */
export interface ListedObject {
	key: string;
	size: number;
	lastModified: Date;
}

export interface ListPage {
	objects: ListedObject[];
	/** Pass back as `cursor` for the next page; absent on the last page. */
	cursor?: string;
}

/**
 * Where artifacts, screenshots and run outputs live. Keys are `/`-separated paths of safe segments
 * (see `assertObjectKey`); listing is by key prefix, S3 style. Writes replace whole objects.
 */
export interface ObjectStore {
	readonly kind: "local" | "s3";
	put(key: string, body: Buffer | Uint8Array | string | Readable, options?: PutOptions): Promise<ObjectInfo>;
	/** Throws `ObjectNotFoundError` when there is no such object. */
	get(key: string): Promise<StoredObject>;
	head(key: string): Promise<ObjectInfo | null>;
	/** Deleting a missing object is not an error. */
	delete(key: string): Promise<void>;
	list(prefix: string, options?: { limit?: number; cursor?: string }): Promise<ListPage>;
	/**
	 * A time-limited URL a browser can download the object from directly (S3 presigned GET), or
	 * `null` when the store has none (local directory): the caller streams `get()` through its own
	 * authenticated route instead.
	 */
	downloadUrl(key: string, options: { expiresInSeconds: number; filename?: string }): Promise<string | null>;
}

export class ObjectNotFoundError extends DomainError {
	constructor(key: string) {
		super("not_found", "OBJECT_NOT_FOUND", `No stored object at ${JSON.stringify(key)}`);
	}
}

export class InvalidObjectKeyError extends DomainError {
	constructor(key: string, reason: string) {
		super(
			"invalid_input",
			"INVALID_OBJECT_KEY",
			`Invalid object key ${JSON.stringify(key.slice(0, 200))}: ${reason}`,
		);
	}
}

export class ObjectStoreUnavailableError extends DomainError {
	constructor(reason: string) {
		super("unavailable", "OBJECT_STORE_UNAVAILABLE", `Object storage is not reachable: ${reason}`);
	}
}

export const MAX_OBJECT_KEY_BYTES = 1024;
/** Segments may start with `_` or `-` (base64url organization ids do), never with `.`. */
const segmentPattern = /^[A-Za-z0-9_-][A-Za-z0-9._=+@-]*$/;

/**
 * Keys are built by the platform from ids, but names inside them (artifact file names) come from
 * sandboxes: refuse anything that could escape a directory or confuse a listing.
 */
export function assertObjectKey(key: string): void {
	if (typeof key !== "string" || key.length === 0) throw new InvalidObjectKeyError(String(key), "empty");
	if (Buffer.byteLength(key) > MAX_OBJECT_KEY_BYTES)
		throw new InvalidObjectKeyError(key, `longer than ${MAX_OBJECT_KEY_BYTES} bytes`);
	for (const segment of key.split("/")) {
		if (segment === "") throw new InvalidObjectKeyError(key, "empty path segment");
		if (segment === "." || segment === "..") throw new InvalidObjectKeyError(key, "relative path segment");
		if (!segmentPattern.test(segment))
			throw new InvalidObjectKeyError(key, "segments use letters, digits and . _ = + @ - only");
	}
}

/** Prefixes are keys that may end in `/` (or be empty: everything). */
export function assertObjectPrefix(prefix: string): void {
	if (prefix === "") return;
	assertObjectKey(prefix.endsWith("/") ? prefix.slice(0, -1) : prefix);
}

export const DEFAULT_CONTENT_TYPE = "application/octet-stream";
