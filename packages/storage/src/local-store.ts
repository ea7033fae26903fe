import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
	assertObjectKey,
	assertObjectPrefix,
	DEFAULT_CONTENT_TYPE,
	type ListedObject,
	type ListPage,
	type ObjectInfo,
	ObjectNotFoundError,
	type ObjectStore,
	type PutOptions,
	type StoredObject,
} from "./object-store";

/**
 * Objects as files under one directory (the default for `make start`). A key `a/b` is stored as
 * `objects/a/b~` with its content type in `objects/a/b~meta`: `~` cannot occur in a key segment, so
 * the key `a` (file `a~`) and the key `a/b` (directory `a`) never collide. Writes go to a temporary
 * file first and are renamed into place, so a reader sees the old object or the new one, never half.
 */
export class LocalDirectoryObjectStore implements ObjectStore {
	readonly kind = "local" as const;
	private readonly objectsRoot: string;
	private readonly temporaryRoot: string;

	constructor(directory: string) {
		const root = resolve(directory);
		this.objectsRoot = join(root, "objects");
		this.temporaryRoot = join(root, "tmp");
	}

	async put(
		key: string,
		body: Buffer | Uint8Array | string | Readable,
		options: PutOptions = {},
	): Promise<ObjectInfo> {
		const file = this.fileOf(key);
		await mkdir(this.temporaryRoot, { recursive: true });
		await mkdir(dirname(file), { recursive: true });
		const temporary = join(this.temporaryRoot, randomBytes(12).toString("hex"));
		try {
			if (body instanceof Readable) await pipeline(body, createWriteStream(temporary, { mode: 0o600 }));
			else await writeFile(temporary, body, { mode: 0o600 });
			const contentType = options.contentType ?? DEFAULT_CONTENT_TYPE;
			await writeFile(`${temporary}meta`, JSON.stringify({ contentType }), { mode: 0o600 });
			await rename(`${temporary}meta`, `${file}meta`);
			await rename(temporary, file);
		} finally {
			await rm(temporary, { force: true });
			await rm(`${temporary}meta`, { force: true });
		}
		const info = await this.head(key);
		if (!info) throw new ObjectNotFoundError(key);
		return info;
	}

	async get(key: string): Promise<StoredObject> {
		const info = await this.head(key);
		if (!info) throw new ObjectNotFoundError(key);
		return { ...info, body: createReadStream(this.fileOf(key)) };
	}

	async head(key: string): Promise<ObjectInfo | null> {
		const file = this.fileOf(key);
		const stats = await stat(file).catch((error: NodeJS.ErrnoException) => {
			if (error.code === "ENOENT" || error.code === "ENOTDIR") return null;
			throw error;
		});
		if (!stats?.isFile()) return null;
		return { key, size: stats.size, contentType: await this.contentTypeOf(file), lastModified: stats.mtime };
	}

	async delete(key: string): Promise<void> {
		const file = this.fileOf(key);
		await unlink(file).catch((error: NodeJS.ErrnoException) => {
			if (error.code !== "ENOENT" && error.code !== "ENOTDIR") throw error;
		});
		await rm(`${file}meta`, { force: true });
	}

	async list(prefix: string, options: { limit?: number; cursor?: string } = {}): Promise<ListPage> {
		assertObjectPrefix(prefix);
		const limit = Math.max(1, Math.min(options.limit ?? 1000, 1000));
		// Walk only the deepest directory the prefix names; filter the rest by string prefix.
		const base = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "";
		const keys = (await this.walk(base)).filter(
			(key) => key.startsWith(prefix) && (options.cursor === undefined || key > options.cursor),
		);
		keys.sort();
		const page = keys.slice(0, limit);
		const objects: ListedObject[] = [];
		for (const key of page) {
			const stats = await stat(this.fileOf(key)).catch(() => null);
			if (stats) objects.push({ key, size: stats.size, lastModified: stats.mtime });
		}
		const last = page.at(-1);
		return keys.length > limit && last !== undefined ? { objects, cursor: last } : { objects };
	}

	async downloadUrl(): Promise<string | null> {
		return null;
	}

	private fileOf(key: string): string {
		assertObjectKey(key);
		const file = resolve(this.objectsRoot, `${key}~`);
		// Defence in depth: the key check already refuses every way out of the directory.
		if (!file.startsWith(this.objectsRoot + sep)) throw new Error("object path escaped the store");
		return file;
	}

	private async contentTypeOf(file: string): Promise<string> {
		try {
			const meta = JSON.parse(await readFile(`${file}meta`, "utf8")) as { contentType?: unknown };
			return typeof meta.contentType === "string" ? meta.contentType : DEFAULT_CONTENT_TYPE;
		} catch {
			return DEFAULT_CONTENT_TYPE;
		}
	}

	private async walk(relativeDirectory: string): Promise<string[]> {
		const directory = relativeDirectory ? join(this.objectsRoot, relativeDirectory) : this.objectsRoot;
		const entries = await readdir(directory, { withFileTypes: true }).catch(
			(error: NodeJS.ErrnoException) => {
				if (error.code === "ENOENT" || error.code === "ENOTDIR") return [];
				throw error;
			},
		);
		const keys: string[] = [];
		for (const entry of entries) {
			const relative = relativeDirectory ? `${relativeDirectory}/${entry.name}` : entry.name;
			if (entry.isDirectory()) keys.push(...(await this.walk(relative)));
			else if (entry.isFile() && entry.name.endsWith("~")) keys.push(relative.slice(0, -1));
		}
		return keys;
	}
}
