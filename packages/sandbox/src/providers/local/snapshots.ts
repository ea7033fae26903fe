import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
	createReadStream,
	existsSync,
	mkdirSync,
	readdirSync,
	renameSync,
	rmSync,
	statSync,
	utimesSync,
} from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { SandboxProviderError } from "@proliferate/shared";

const run = promisify(execFile);

/** Content-addressed snapshot archives: `<dir>/<sha256>.tar.gz`; the snapshot id is the sha256. */
export class SnapshotArchive {
	constructor(private readonly directory: string) {
		mkdirSync(directory, { recursive: true });
	}

	pathFor(snapshotId: string): string {
		if (!/^[0-9a-f]{64}$/.test(snapshotId)) {
			throw new SandboxProviderError("local", "snapshot", `${snapshotId} is not a local snapshot id`);
		}
		return join(this.directory, `${snapshotId}.tar.gz`);
	}

	has(snapshotId: string): boolean {
		return existsSync(this.pathFor(snapshotId));
	}

	/** Archives `sourceDirectory` (modes, symlinks, .git, untracked and ignored files included). */
	async create(sourceDirectory: string): Promise<{ snapshotId: string; sizeBytes: number }> {
		const temporary = join(this.directory, `.partial-${process.pid}-${Date.now()}.tar.gz`);
		try {
			await run("tar", ["--numeric-owner", "--sort=name", "-C", sourceDirectory, "-czf", temporary, "."], {
				maxBuffer: 16 * 1024 * 1024,
			});
			const hash = createHash("sha256");
			await new Promise<void>((resolvePromise, reject) => {
				createReadStream(temporary)
					.on("data", (chunk) => hash.update(chunk))
					.on("end", () => resolvePromise())
					.on("error", reject);
			});
			const snapshotId = hash.digest("hex");
			const finalPath = this.pathFor(snapshotId);
			if (existsSync(finalPath)) {
				rmSync(temporary, { force: true });
				// The same content again: its age (which retention reads) starts over.
				const now = new Date();
				utimesSync(finalPath, now, now);
			} else renameSync(temporary, finalPath);
			return { snapshotId, sizeBytes: statSync(finalPath).size };
		} catch (error) {
			rmSync(temporary, { force: true });
			if (error instanceof SandboxProviderError) throw error;
			throw new SandboxProviderError(
				"local",
				"snapshot",
				error instanceof Error ? error.message : String(error),
			);
		}
	}

	/** Every archive with its last write time (a partial one being written is not listed). */
	list(): { snapshotId: string; createdAt: Date; sizeBytes: number }[] {
		const snapshots: { snapshotId: string; createdAt: Date; sizeBytes: number }[] = [];
		for (const name of readdirSync(this.directory)) {
			const match = /^([0-9a-f]{64})\.tar\.gz$/.exec(name);
			if (!match?.[1]) continue;
			try {
				const stats = statSync(join(this.directory, name));
				snapshots.push({ snapshotId: match[1], createdAt: stats.mtime, sizeBytes: stats.size });
			} catch {
				// Deleted meanwhile.
			}
		}
		return snapshots;
	}

	/** Idempotent: a missing archive is not an error. */
	delete(snapshotId: string): void {
		rmSync(this.pathFor(snapshotId), { force: true });
	}

	/** Extracts a snapshot into an empty `targetDirectory`, reproducing contents and modes. */
	async restore(snapshotId: string, targetDirectory: string): Promise<void> {
		const archive = this.pathFor(snapshotId);
		if (!existsSync(archive))
			throw new SandboxProviderError("local", "restore", `snapshot ${snapshotId} does not exist`);
		mkdirSync(targetDirectory, { recursive: true });
		await run("tar", ["--numeric-owner", "--same-permissions", "-C", targetDirectory, "-xzf", archive], {
			maxBuffer: 16 * 1024 * 1024,
		});
	}
}
