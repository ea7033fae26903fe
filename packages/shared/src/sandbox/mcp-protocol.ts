/**
 * The HTTP/WebSocket protocol of sandbox-mcp, the server inside every sandbox (port 4000): terminals,
 * services, file and git reads. Shared by the server (packages/sandbox-mcp), the gateway's proxy and
 * the browser client (packages/gateway-clients). See docs/specs/sandbox-providers.md.
 */
import { z } from "zod";

export const SANDBOX_MCP_PORT = 4000;

/** Relative to the workspace; absolute paths must stay inside it. */
const workspacePath = z.string().min(1).max(4096);
const dimension = (max: number) => z.coerce.number().int().min(1).max(max);

export const createTerminalRequest = z.object({
	cols: dimension(1000).default(80),
	rows: dimension(500).default(24),
	cwd: workspacePath.optional(),
});
export type CreateTerminalRequest = z.input<typeof createTerminalRequest>;

export const resizeTerminalRequest = z.object({ cols: dimension(1000), rows: dimension(500) });

export interface TerminalInfo {
	id: string;
	pid: number;
	cols: number;
	rows: number;
	cwd: string;
	createdAt: string;
	attached: number;
}

/** Frames a client sends on a terminal socket (JSON text frames). */
export const terminalClientFrame = z.discriminatedUnion("type", [
	z.object({ type: z.literal("input"), data: z.string().max(64 * 1024) }),
	z.object({ type: z.literal("resize"), cols: dimension(1000), rows: dimension(500) }),
]);
export type TerminalClientFrame = z.infer<typeof terminalClientFrame>;

/** Frames the server sends on a terminal socket. */
export type TerminalServerFrame =
	| { type: "output"; data: string }
	| { type: "exit"; exitCode: number; signal: number | null }
	| { type: "error"; code: string; message: string };

export const serviceName = z
	.string()
	.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "letters, digits, '.', '_' or '-', at most 64");

export const serviceSpec = z.object({
	name: serviceName,
	command: z.string().min(1).max(10_000),
	cwd: workspacePath.optional(),
	port: z.number().int().min(1).max(65535).optional(),
	env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(32_768)).optional(),
});
export type ServiceSpec = z.infer<typeof serviceSpec>;

/** Start a service: a full spec, or only the name of one of the repository's saved service commands. */
export const startServiceRequest = z.union([serviceSpec, z.object({ name: serviceName }).strict()]);
export type StartServiceRequest = z.input<typeof startServiceRequest>;

export type ServiceStatus = "not_started" | "running" | "stopping" | "stopped" | "exited" | "failed";

export interface ServiceInfo {
	name: string;
	command: string;
	cwd: string;
	port: number | null;
	status: ServiceStatus;
	/** From the repository's saved service commands. */
	saved: boolean;
	pid: number | null;
	startedAt: string | null;
	endedAt: string | null;
	exitCode: number | null;
	signal: string | null;
	restarts: number;
	/** The last output lines, for a service that exited or failed. */
	outputTail: string | null;
}

export const serviceLogsQuery = z.object({
	tail: z.coerce.number().int().min(0).max(10_000).default(200),
	follow: z
		.enum(["0", "1", "true", "false"])
		.default("0")
		.transform((value) => value === "1" || value === "true"),
});

/** Server-Sent Events of `GET /services/:name/logs?follow=1`: `log` events carry `{ text }`, then one `exit`. */
export type ServiceLogEvent =
	| { event: "log"; data: { text: string } }
	| { event: "exit"; data: { exitCode: number | null; signal: string | null; status: ServiceStatus } };

export const fileTreeQuery = z.object({
	path: workspacePath.default("."),
	depth: z.coerce.number().int().min(1).max(12).default(4),
	includeIgnored: z
		.enum(["0", "1", "true", "false"])
		.default("0")
		.transform((value) => value === "1" || value === "true"),
});

export interface FileTreeEntry {
	/** Relative to the workspace. */
	path: string;
	type: "file" | "directory" | "symlink";
	size: number;
}

export interface FileTree {
	root: string;
	entries: FileTreeEntry[];
	/** True when the listing stopped at the entry limit. */
	truncated: boolean;
}

export const readFileQuery = z.object({
	path: workspacePath,
	maxBytes: z.coerce
		.number()
		.int()
		.min(1)
		.max(8 * 1024 * 1024)
		.default(1024 * 1024),
});

export interface FileContent {
	path: string;
	size: number;
	encoding: "utf8" | "base64";
	content: string;
	truncated: boolean;
}

export interface GitStatusFile {
	path: string;
	/** Status letter in the index (staged) and in the worktree, as `git status --porcelain` prints them. */
	index: string;
	worktree: string;
	originalPath?: string;
}

export interface GitStatus {
	branch: string | null;
	upstream: string | null;
	ahead: number;
	behind: number;
	head: string | null;
	files: GitStatusFile[];
	clean: boolean;
}

export const gitDiffQuery = z.object({
	path: workspacePath.optional(),
	staged: z
		.enum(["0", "1", "true", "false"])
		.default("0")
		.transform((value) => value === "1" || value === "true"),
	maxBytes: z.coerce
		.number()
		.int()
		.min(1)
		.max(8 * 1024 * 1024)
		.default(1024 * 1024),
});

export interface GitDiff {
	diff: string;
	truncated: boolean;
	files: { path: string; additions: number | null; deletions: number | null }[];
}

export interface ExposedService {
	name: string;
	port: number;
}

/**
 * Terminal sockets that cannot be served complete the handshake, send one `error` frame and close
 * with one of these codes (browsers cannot read the HTTP status of a refused upgrade).
 */
export const terminalCloseCodes = {
	exited: 1000,
	unauthorized: 4401,
	forbidden: 4403,
	notFound: 4404,
	unavailable: 4503,
} as const;

export function terminalCloseCodeFor(kind: string): number {
	if (kind === "unauthenticated") return terminalCloseCodes.unauthorized;
	if (kind === "forbidden") return terminalCloseCodes.forbidden;
	if (kind === "not_found") return terminalCloseCodes.notFound;
	return terminalCloseCodes.unavailable;
}
