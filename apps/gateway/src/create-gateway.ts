import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "@proliferate/logger";
import type { SandboxProviderRegistry } from "@proliferate/sandbox";
import type { integrations, ServiceContext, secrets } from "@proliferate/services";
import type { ObjectStore } from "@proliferate/storage";
import type { Redis } from "ioredis";
import { EventLog } from "./events/event-log";
import type { AuthSecrets } from "./http/auth";
import type { PublisherLimits } from "./hub/event-publisher";
import { HubManager } from "./hub/hub-manager";
import { OwnershipLeases } from "./hub/ownership";
import { PreviewLinks } from "./preview/preview-links";
import { createWebSocketRelay } from "./preview/websocket-relay";
import { createRouter } from "./server/routes";
import { SandboxStopWatch } from "./session/sandbox-stops";
import { type AgentSettings, SessionController } from "./session/session-controller";
import { WarmPoolKeeper, type WarmPoolSettings } from "./session/warm-pool-keeper";
import { resolveWebSocketLimits, type WebSocketLimitsInput } from "./ws/limits";
import { createStreamHandler } from "./ws/stream";

export interface GatewayDeps {
	services: ServiceContext;
	redis: Redis;
	redisPrefix: string;
	/** The configured sandbox providers; sessions pick theirs (org override, else the default). */
	providers: SandboxProviderRegistry;
	/** Keep pre-started sandboxes of the default provider for new sessions (started by `listen`). */
	warmPool?: WarmPoolSettings;
	agent: AgentSettings;
	secrets: AuthSecrets;
	logger: Logger;
	instanceId: string;
	/** This instance's own URL (other instances redirect clients here). */
	publicUrl?: string;
	sandboxLifetimeSeconds?: number;
	leaseTtlMs?: number;
	/** Pause sessions without clients or running work after this long (ms); 0 disables. */
	idleTimeoutMs?: number;
	/** Where artifacts (screenshots and files from the verify tool) are stored: local directory or S3. */
	objectStore: ObjectStore;
	/** GitHub API settings for pull requests (connections are per organization, in the database). */
	github?: integrations.GithubConfig;
	secretKeyring?: secrets.SecretKeyring;
	/** How many events a session holds in memory through a Redis outage, and for how long. */
	publisherLimits?: Partial<PublisherLimits>;
	/** Frame size, pre-auth and rate limits of stream and relayed (terminal, preview) WebSockets. */
	webSocketLimits?: WebSocketLimitsInput;
}

export interface Gateway {
	server: Server;
	hubs: HubManager;
	warmPool: WarmPoolKeeper;
	eventLog: EventLog;
	url: string;
	listen: (port: number, host?: string) => Promise<string>;
	close: () => Promise<void>;
	/** Stops without releasing anything, as a crashed process would (tests only). */
	kill: () => Promise<void>;
}

/** Builds the gateway (HTTP + WebSocket) from its dependencies; `main.ts` and tests both use it. */
export function createGateway(deps: GatewayDeps): Gateway {
	watchRedis(deps.redis, deps.logger);
	const eventLog = new EventLog(deps.redis, deps.redisPrefix);
	let url = deps.publicUrl ?? "";
	const leases = new OwnershipLeases(
		deps.redis,
		deps.redisPrefix,
		{
			instanceId: deps.instanceId,
			get url() {
				return url;
			},
		} as { instanceId: string; url: string },
		deps.leaseTtlMs,
	);
	const warmPool = new WarmPoolKeeper({
		services: deps.services,
		providers: deps.providers,
		settings: deps.warmPool ?? { size: 0, lifetimeSeconds: 0, host: deps.instanceId },
		logger: deps.logger.child({ module: "warm-pool" }),
	});
	const stops = new SandboxStopWatch({ logger: deps.logger.child({ module: "sandbox-stops" }) });
	const hubs = new HubManager({
		eventLog,
		idleTimeoutMs: deps.idleTimeoutMs ?? 0,
		leases,
		logger: deps.logger,
		...(deps.publisherLimits ? { publisherLimits: deps.publisherLimits } : {}),
		createController: (sessionId, organizationId, hub) =>
			new SessionController(sessionId, organizationId, {
				services: deps.services,
				providers: deps.providers,
				warmPool,
				agent: deps.agent,
				logger: deps.logger.child({ sessionId }),
				sandboxLifetimeSeconds: deps.sandboxLifetimeSeconds ?? 3600,
				gatewayUrl: () => url,
				publish: hub.publish,
				isAgentBusy: hub.isAgentBusy,
				stillOwner: hub.stillOwner,
				turnState: hub.turnState,
				github: deps.github,
				secretKeyring: deps.secretKeyring,
				stops,
			}),
	});
	const limits = resolveWebSocketLimits(deps.webSocketLimits);
	const relay = createWebSocketRelay({
		logger: deps.logger.child({ module: "ws-relay" }),
		limits: limits.relay,
	});
	const stream = createStreamHandler({
		hubs,
		logger: deps.logger.child({ module: "stream" }),
		limits: limits.stream,
	});
	const previewDeps = {
		hubs,
		previewLinks: new PreviewLinks(deps.redis, deps.redisPrefix),
		gatewayUrl: () => url,
		logger: deps.logger,
		relay,
	};
	const router = createRouter({
		preview: previewDeps,
		sandbox: previewDeps,
		tools: {
			services: deps.services,
			hubs,
			objectStore: deps.objectStore,
			logger: deps.logger.child({ module: "artifacts" }),
		},
		stream,
		services: deps.services,
		hubs,
		eventLog,
		secrets: deps.secrets,
		logger: deps.logger,
		providers: deps.providers,
	});
	const server = createServer((request, response) => {
		response.setHeader("access-control-allow-origin", "*");
		response.setHeader("access-control-allow-headers", "authorization, content-type, x-organization-id");
		response.setHeader("access-control-allow-methods", "GET, POST, DELETE, OPTIONS");
		void router.handleRequest(request, response);
	});
	let closing = false;
	const upgradedSockets = new Set<Duplex>();
	server.on("upgrade", (request, socket, head) => {
		if (closing) {
			socket.destroy();
			return;
		}
		upgradedSockets.add(socket);
		socket.once("close", () => upgradedSockets.delete(socket));
		// A reset or a write after the peer left must never become an uncaught exception; the WebSocket
		// layers above add their own handling once they own the socket.
		socket.on("error", (error) => deps.logger.debug({ err: error }, "upgraded socket failed"));
		try {
			if (!router.handleUpgrade(request, socket, head)) socket.destroy();
		} catch (error) {
			deps.logger.error({ err: error, url: request.url }, "WebSocket upgrade failed");
			socket.destroy();
		}
	});
	return {
		server,
		hubs,
		warmPool,
		eventLog,
		get url() {
			return url;
		},
		listen: (port, host = "127.0.0.1") =>
			new Promise<string>((resolve, reject) => {
				server.once("error", reject);
				server.listen(port, host, () => {
					const address = server.address() as AddressInfo;
					url ||= `http://${host}:${address.port}`;
					warmPool.start().then(
						() => resolve(url),
						(error: unknown) => reject(error),
					);
				});
			}),
		kill: async () => {
			closing = true;
			await warmPool.stop({ drain: false });
			hubs.abandon();
			stops.close();
			for (const socket of upgradedSockets) socket.destroy();
			stream.server.close();
			relay.close();
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
		close: async () => {
			closing = true;
			await warmPool.stop();
			const closed = new Promise<void>((resolve) => server.close(() => resolve()));
			await hubs.shutdown();
			stops.close();
			stream.server.close();
			relay.close();
			server.closeAllConnections();
			// Upgraded sockets are not HTTP connections any more: give them a moment to close, then cut them.
			await new Promise((resolve) => setTimeout(resolve, 100));
			for (const socket of upgradedSockets) socket.destroy();
			await closed;
		},
	};
}

/**
 * Redis going away is expected (outages are handled where commands fail): log it once when the
 * connection is lost and once when it is back, instead of ioredis's "Unhandled error event" per retry.
 */
function watchRedis(redis: Redis, logger: Logger): void {
	if (redis.listenerCount("error") > 0) return;
	let down = false;
	redis.on("error", (error) => {
		if (down) return;
		down = true;
		logger.warn({ err: error }, "Redis connection lost; retrying");
	});
	redis.on("ready", () => {
		if (!down) return;
		down = false;
		logger.info("Redis connection back");
	});
}
