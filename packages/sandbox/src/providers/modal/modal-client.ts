import type { AppFromNameParams, SandboxCreateParams, SandboxExecParams, SandboxFromNameParams } from "modal";

/**
 * The part of Modal's JS SDK (`modal` 0.11, `ModalClient`) the provider uses, as structural types so
 * the provider can also run against the in-process fake in `src/testing/fake-modal-client.ts`.
 * `ModalClient` itself satisfies this interface (checked in modal-provider.ts).
 */
export interface ModalProcessLike {
	stdin: { writeText(text: string): Promise<void>; close(): Promise<void> };
	stdout: { readText(): Promise<string> };
	stderr: { readText(): Promise<string> };
	wait(): Promise<number>;
}

export interface ModalImageLike {
	readonly imageId: string;
}

export interface ModalAppLike {
	readonly appId: string;
}

export interface ModalSandboxLike {
	readonly sandboxId: string;
	exec(command: string[], params?: SandboxExecParams & { mode?: "text" }): Promise<ModalProcessLike>;
	snapshotFilesystem(): Promise<ModalImageLike>;
	terminate(): Promise<void>;
	tunnels(timeoutMs?: number): Promise<Record<number, { url: string }>>;
	poll(): Promise<number | null>;
}

export interface ModalClientLike {
	apps: { fromName(name: string, params?: AppFromNameParams): Promise<ModalAppLike> };
	images: {
		fromId(imageId: string): Promise<ModalImageLike>;
		fromRegistry(tag: string): ModalImageLike;
	};
	sandboxes: {
		create(app: ModalAppLike, image: ModalImageLike, params?: SandboxCreateParams): Promise<ModalSandboxLike>;
		fromName(appName: string, name: string, params?: SandboxFromNameParams): Promise<ModalSandboxLike>;
	};
}
