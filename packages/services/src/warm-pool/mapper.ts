import type { SandboxHandle } from "@proliferate/shared";

/** A provider handle as stored in `warm_sandboxes.handle` (dates as ISO strings). */
export function serializeHandle(handle: SandboxHandle): Record<string, unknown> {
	return { ...handle, expiresAt: handle.expiresAt?.toISOString() ?? null };
}

/** A stored handle back as the provider gave it (a claimed warm sandbox is never "recovered"). */
export function deserializeHandle(value: Record<string, unknown>): SandboxHandle {
	const handle = value as unknown as SandboxHandle & { expiresAt: string | null };
	return { ...handle, expiresAt: handle.expiresAt ? new Date(handle.expiresAt) : null, recovered: false };
}
