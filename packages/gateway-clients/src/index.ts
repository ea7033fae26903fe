import type { GatewayAuth } from "./auth";
import { createGatewayHttpClient, type GatewayHttpClient } from "./http-client";
import {
	type ConnectOptions,
	connectSessionStream,
	type SessionStream,
	type StreamClientOptions,
} from "./stream-client";

export type { GatewayAuth } from "./auth";
export {
	createGatewayHttpClient,
	type GatewayHttpClient,
	GatewayRequestError,
	type GatewaySandboxProviders,
	type IdempotentCallOptions,
	type SuperviseOutcome,
} from "./http-client";
export {
	type ConnectionState,
	type ConnectOptions,
	connectSessionStream,
	frameLimitErrorCodes,
	type SessionStream,
	StreamRequestError,
	type WebSocketConstructor,
	type WebSocketLike,
} from "./stream-client";

export interface SyncClient {
	connect(sessionId: string, options: ConnectOptions): SessionStream;
	http: GatewayHttpClient;
}

/** The client web, CLI, workers and tests use: `connect` for the live stream, `http` for lifecycle calls. */
export function createSyncClient(options: StreamClientOptions & { organizationId?: string }): SyncClient {
	return {
		connect: (sessionId, connectOptions) => connectSessionStream(options, sessionId, connectOptions),
		http: createGatewayHttpClient({
			baseUrl: options.baseUrl,
			auth: options.auth,
			...(options.organizationId ? { organizationId: options.organizationId } : {}),
		}),
	};
}

export {
	createSandboxClient,
	createSessionSandboxClient,
	type ExposedServiceLink,
	type SandboxClient,
	type SandboxClientOptions,
	type TerminalConnection,
	type TerminalHandlers,
} from "./sandbox-client";
export type { GatewayAuth as Auth };
