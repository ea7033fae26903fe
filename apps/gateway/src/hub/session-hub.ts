import type { Logger } from "@proliferate/logger";
import {
	type ClientCommand,
	closeCodes,
	DomainError,
	type MessageSource,
	type SessionEvent,
	type SessionEventInput,
} from "@proliferate/shared";
import type { GatewayPrincipal } from "@proliferate/shared/auth";
import { type AppendFence, type EventLog, FencedAppendError } from "../events/event-log";
import { GitOperationError } from "../session/git-operations";
import type { SessionController } from "../session/session-controller";
import type { UnattendedOutcome } from "../session/unattended";
import type { ClientConnection } from "./client-connection";
import { EventPublisher, type PublisherLimits } from "./event-publisher";
import { gitResultEvent, isGitCommand, runGitCommand } from "./git-commands";

export interface SessionHubDeps {
	sessionId: string;
	organizationId: string;
	eventLog: EventLog;
	logger: Logger;
	/** The lease appends must still hold (undefined: unfenced, e.g. tests of the hub alone). */
	fence?: () => AppendFence | undefined;
	/** An append was fenced: answers whether this instance still owns the session (see `EventPublisher`). */
	onFenced?: () => Promise<boolean>;
	publisherLimits?: Partial<PublisherLimits>;
	createController: (view: HubView) => SessionController;
}

/** What a session's controller sees of its hub. */
export interface HubView {
	/** Queues an event for the session's log (in order; held through a Redis outage). */
	publish: (input: SessionEventInput) => Promise<void>;
	isAgentBusy: () => boolean;
	turnState: () => ReturnType<SessionHub["turnState"]>;
}

export type PromptCommand = Extract<ClientCommand, { type: "prompt" }>;

/** Where a message comes from when its sender does not say: a person's token is the web app, any other token the API. */
export function sourceOf(principal: GatewayPrincipal): MessageSource {
	return principal.kind === "user" ? "web" : "api";
}

const turnEndingStatuses = new Set<string>(["idle", "paused", "stopped", "failed"]);

/**
 * The gateway-side object for one session: its connected clients, the ordered publication of its
 * events (append to the event log, then deliver; held in memory through a Redis outage), and the
 * commands clients send. The sandbox and agent live in `SessionController`; ownership across
 * instances is the hub manager's job.
 */
export class SessionHub {
	private readonly clients = new Set<ClientConnection>();
	private readonly publisher: EventPublisher;
	readonly controller: SessionController;
	readonly sessionId: string;
	readonly organizationId: string;
	private readonly eventLog: EventLog;
	private readonly logger: Logger;

	constructor(deps: SessionHubDeps) {
		this.sessionId = deps.sessionId;
		this.organizationId = deps.organizationId;
		this.eventLog = deps.eventLog;
		this.logger = deps.logger;
		this.publisher = new EventPublisher({
			sessionId: deps.sessionId,
			logger: deps.logger,
			...(deps.publisherLimits ? { limits: deps.publisherLimits } : {}),
			append: (input, appendId) => deps.eventLog.append(deps.sessionId, input, deps.fence?.(), appendId),
			deliver: (event) => this.deliver(event),
			onFenced: () => deps.onFenced?.() ?? Promise.resolve(false),
			onGiveUp: () => {
				void this.controller.cancel().catch(() => {});
			},
			closingEvents: (error) =>
				[...this.openMessages].map(([messageId, parts]) => ({
					type: "message.completed" as const,
					messageId,
					text: [...parts.values()].join(""),
					finishReason: "error" as const,
					error,
				})),
		});
		// The controller's events are queued in order and written when the event log can take them:
		// the agent's event stream never waits on (or fails with) a Redis outage.
		this.controller = deps.createController({
			publish: (input) => {
				this.publish(input).catch(() => {});
				return Promise.resolve();
			},
			isAgentBusy: () => this.agentBusy,
			turnState: () => this.turnState(),
		});
	}

	/** When anything last happened (event, client joined or left, command). */
	lastActivityAt = Date.now();
	/** Whether any prompt reached the session's log (from this hub or, after `restore`, before it). */
	private prompted = false;
	/** True from a user prompt until the agent reports idle. */
	agentBusy = false;

	/** No clients, no agent turn running, nothing happening for `idleMs`. */
	isIdle(idleMs: number, now = Date.now()): boolean {
		return (
			this.clients.size === 0 &&
			!this.agentBusy &&
			this.controller.ready &&
			this.publisher.buffered === 0 &&
			now - this.lastActivityAt >= idleMs
		);
	}

	get clientCount(): number {
		return this.clients.size;
	}

	/** Events waiting for the event log (non-zero only while Redis is unreachable). */
	get bufferedEvents(): number {
		return this.publisher.buffered;
	}

	/** Appends in call order (one at a time), then fans out to every client; resolves with the stored event. */
	publish(input: SessionEventInput): Promise<SessionEvent> {
		return this.publisher.publish(input);
	}

	/** Assistant messages started and not yet completed: message id → part id → text delivered so far. */
	private readonly openMessages = new Map<string, Map<string, string>>();

	/** Where the session's current turn stands, from the events published (and, after a takeover, the log). */
	turnState(): { busy: boolean; openMessages: ReadonlyMap<string, ReadonlyMap<string, string>> } {
		return { busy: this.agentBusy, openMessages: this.openMessages };
	}

	/**
	 * Reads the end of the session's log into the turn state: a hub that takes a session over from
	 * another instance knows whether a turn was running and what of it clients already have.
	 */
	async restore(): Promise<void> {
		for (const event of await this.eventLog.readLast(this.sessionId, 5000)) this.track(event);
	}

	private track(event: SessionEvent): void {
		this.trackAgentBusy(event);
		if (event.type === "message.started" && event.role === "assistant")
			this.openMessages.set(event.messageId, new Map());
		if (event.type === "message.delta") {
			const parts = this.openMessages.get(event.messageId);
			parts?.set(event.partId, `${parts.get(event.partId) ?? ""}${event.delta}`);
		}
		if (event.type === "message.completed") this.openMessages.delete(event.messageId);
	}

	private deliver(event: SessionEvent): void {
		this.lastActivityAt = Date.now();
		this.track(event);
		for (const client of this.clients) client.deliver(event);
	}

	/**
	 * Busy from a user's prompt until the turn ends: the agent goes idle, or the session stops
	 * running (paused, stopped, failed: a sandbox that stopped never reports idle).
	 */
	private trackAgentBusy(event: SessionEvent): void {
		if (event.type === "message.started" && event.role === "user") {
			this.agentBusy = true;
			this.prompted = true;
		}
		if (event.type === "session.status" && turnEndingStatuses.has(event.status)) this.agentBusy = false;
	}

	async attach(client: ClientConnection): Promise<void> {
		this.clients.add(client);
		this.lastActivityAt = Date.now();
		const lastSeq = await this.eventLog.lastSeq(this.sessionId);
		// An `after` beyond the log would hide every new event: the replay starts at the log's end instead.
		client.capReplayStart(lastSeq);
		client.send({ kind: "ready", sessionId: this.sessionId, replayFrom: client.lastSentSeq, lastSeq });
		const replayed = await this.eventLog.readAfter(this.sessionId, client.lastSentSeq);
		client.finishReplay(replayed);
	}

	detach(client: ClientConnection): void {
		this.clients.delete(client);
		this.lastActivityAt = Date.now();
	}

	sockets() {
		return [...this.clients].map((client) => client.socket);
	}

	closeAll(code: number, reason: string): void {
		for (const client of this.clients) client.socket.close(code, reason);
		this.clients.clear();
	}

	async handleCommand(client: ClientConnection, command: ClientCommand): Promise<void> {
		const requestId = command.requestId;
		this.lastActivityAt = Date.now();
		try {
			const result = await this.execute(client, command);
			if (command.type === "ping") client.send({ kind: "pong", ...(requestId ? { requestId } : {}) });
			else if (requestId) client.send({ kind: "ack", requestId, result });
		} catch (error) {
			const domain = error instanceof DomainError;
			if (!domain)
				this.logger.error({ err: error, sessionId: this.sessionId, command: command.type }, "command failed");
			client.send({
				kind: "error",
				code: domain ? error.code : "INTERNAL",
				// Unknown failures (driver errors, bugs) are logged, never shown as raw text.
				message: domain ? error.message : `The ${command.type} command failed; see the gateway's log`,
				...(requestId ? { requestId } : {}),
			});
			if (isGitCommand(command) && error instanceof GitOperationError) {
				await this.publish(gitResultEvent(command, false, error.gitCode, error.message));
			}
		}
	}

	/**
	 * The one door for prompts: the stream's `prompt` command, `POST /sessions/:id/message` and a
	 * new session's `initialPrompt` all enter here. The source defaults to the sender's (`sourceOf`);
	 * a person's prompt carries their user id.
	 */
	prompt(
		command: PromptCommand,
		sender: { principal: GatewayPrincipal; source?: MessageSource | undefined },
	): Promise<{ messageId: string }> {
		const { principal } = sender;
		return this.controller.prompt({
			text: command.content,
			...(command.images ? { images: command.images } : {}),
			source: sender.source ?? sourceOf(principal),
			...(principal.kind === "user" && principal.userId ? { senderId: principal.userId } : {}),
		});
	}

	/**
	 * The worker's session watch found the session unattended (no gateway held its lease) and this
	 * instance has just taken it. A session with clients or a live sandbox here is served: nothing
	 * to do. A session whose turn was running, or whose boot never finished, is adopted (the boot
	 * recovers the sandbox and takes the turn over; this instance's idle and migration timers
	 * follow it from then on). A new session whose initial prompt never reached the log (its gateway
	 * died during the first boot) gets it now. Otherwise it is paused without booting
	 * (`pauseUnattended`).
	 */
	async supervise(
		check: "idle" | "expiry",
		session: { status: string; initialPrompt: string | null; clientSource: MessageSource },
		principal: GatewayPrincipal,
	): Promise<UnattendedOutcome | { action: "adopted"; initialPromptSent?: boolean }> {
		const { status } = session;
		if (this.clients.size > 0 || this.controller.ready) return { action: "none", status };
		if (this.agentBusy || status === "starting") {
			await this.controller.ensureReady();
			if (status === "starting" && session.initialPrompt && !this.prompted) {
				await this.prompt(
					{ type: "prompt", content: session.initialPrompt },
					{ principal, source: session.clientSource },
				);
				return { action: "adopted", initialPromptSent: true };
			}
			return { action: "adopted" };
		}
		return this.controller.pauseUnattended(
			check === "expiry"
				? "paused before the sandbox reached the end of its lifetime (no gateway was serving the session)"
				: "paused without activity (no gateway was serving the session)",
		);
	}

	private async execute(client: ClientConnection, command: ClientCommand): Promise<unknown> {
		switch (command.type) {
			case "ping":
				return undefined;
			case "prompt":
				return this.prompt(command, { principal: client.principal });
			case "cancel":
				await this.controller.cancel();
				return { cancelled: true };
			case "git.status":
			case "git.diff":
			case "git.create_branch":
			case "git.commit":
			case "git.push":
			case "git.create_pr":
				return runGitCommand(this.controller, command, (input) => this.publish(input));
			case "run_command":
				return this.controller.runCommand(command.command);
			case "env.submit":
				await this.controller.writeEnvValues(command.values);
				return { saved: Object.keys(command.values) };
			case "action.decide":
				throw new DomainError(
					"precondition_failed",
					"NO_PENDING_ACTION",
					`No action ${command.invocationId} is waiting for approval`,
				);
		}
	}

	/**
	 * Stops acting for the session (ownership lost): no more events, no bridge, no claim on the
	 * sandbox. Clients are sent to the new owner when there is one, else told to reconnect.
	 */
	relinquish(newOwnerUrl: string | undefined): void {
		this.publisher.close(new FencedAppendError(this.sessionId));
		this.controller.detach();
		if (newOwnerUrl) this.closeAll(closeCodes.wrongInstance, `owner=${newOwnerUrl}`);
		else this.closeAll(closeCodes.goingAway, "this gateway instance lost the session; reconnect");
	}

	/** Stops publishing (the hub is being removed). */
	close(): void {
		this.publisher.close(new DomainError("unavailable", "HUB_CLOSED", "The session's hub was closed"));
	}
}
