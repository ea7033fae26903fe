import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { SandboxNotFoundError } from "@proliferate/shared";
import { isLocalSandboxId, layoutFor, type SandboxLayout } from "./layout";
import { readMeta, type SandboxMeta, writeMeta } from "./state";

/** The sandboxes on disk (`<dataDirectory>/sandboxes/<sbx_id>/`) and their `meta.json`. */
export class SandboxRecords {
	constructor(private readonly directory: string) {
		mkdirSync(directory, { recursive: true });
	}

	/** An id that is not a local sandbox id is not found. */
	layout(sandboxId: string): SandboxLayout {
		if (!isLocalSandboxId(sandboxId)) throw new SandboxNotFoundError(sandboxId);
		return layoutFor(this.directory, sandboxId);
	}

	/** The recorded meta, terminated ones included; null when there is none. */
	read(sandboxId: string): SandboxMeta | null {
		return readMeta(this.layout(sandboxId).metaFile);
	}

	/** The meta of a sandbox that exists (not terminated). */
	get(sandboxId: string): SandboxMeta {
		const meta = this.read(sandboxId);
		if (!meta || meta.state === "terminated") throw new SandboxNotFoundError(sandboxId);
		return meta;
	}

	write(sandboxId: string, meta: SandboxMeta): void {
		writeMeta(this.layout(sandboxId).metaFile, meta);
	}

	update(sandboxId: string, change: Partial<SandboxMeta>): SandboxMeta {
		const meta = { ...this.get(sandboxId), ...change };
		this.write(sandboxId, meta);
		return meta;
	}

	/** Every sandbox directory on disk with its recorded state. */
	list(): SandboxMeta[] {
		if (!existsSync(this.directory)) return [];
		return readdirSync(this.directory)
			.filter(isLocalSandboxId)
			.map((id) => readMeta(layoutFor(this.directory, id).metaFile))
			.filter((meta): meta is SandboxMeta => meta !== null);
	}
}
