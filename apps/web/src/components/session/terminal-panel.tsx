"use client";

import "@xterm/xterm/css/xterm.css";
import { useEffect, useRef, useState } from "react";
import { connectTerminal, type TerminalConnectionState } from "@/lib/gateway/terminal";
import type { StreamCredentials } from "@/lib/gateway/use-session-stream";

/** Resolves a theme token (any CSS color syntax) to rgb(), which xterm.js understands. */
function tokenColor(token: string): string | undefined {
	const canvas = document.createElement("canvas");
	canvas.width = 1;
	canvas.height = 1;
	const context = canvas.getContext("2d");
	const probe = document.createElement("span");
	probe.style.color = `var(${token})`;
	document.body.appendChild(probe);
	const color = getComputedStyle(probe).color;
	probe.remove();
	if (!context || !color) return undefined;
	context.fillStyle = color;
	context.fillRect(0, 0, 1, 1);
	const [red, green, blue] = context.getImageData(0, 0, 1, 1).data;
	return `rgb(${red}, ${green}, ${blue})`;
}

function themeFromTokens() {
	const background = tokenColor("--card");
	const foreground = tokenColor("--card-foreground");
	return {
		...(background ? { background } : {}),
		...(foreground ? { foreground, cursor: foreground } : {}),
	};
}

/** A terminal in the session's sandbox (xterm.js over the gateway's terminal WebSocket). */
export function TerminalPanel({
	sessionId,
	ready,
	getCredentials,
}: {
	sessionId: string;
	ready: boolean;
	getCredentials: () => Promise<StreamCredentials>;
}) {
	const container = useRef<HTMLDivElement>(null);
	const [state, setState] = useState<TerminalConnectionState>("connecting");
	const [reason, setReason] = useState<string | undefined>();
	const [attempt, setAttempt] = useState(0);
	const credentials = useRef(getCredentials);
	credentials.current = getCredentials;

	// biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` re-runs the effect to reconnect.
	useEffect(() => {
		if (!ready || !container.current) return;
		let disposed = false;
		let cleanup = () => {};
		void (async () => {
			const [{ Terminal }, { FitAddon }, { token, gatewayUrl }] = await Promise.all([
				import("@xterm/xterm"),
				import("@xterm/addon-fit"),
				credentials.current(),
			]);
			if (disposed || !container.current) return;
			const terminal = new Terminal({
				cursorBlink: true,
				fontSize: 13,
				fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace",
				convertEol: false,
				theme: themeFromTokens(),
			});
			const fit = new FitAddon();
			terminal.loadAddon(fit);
			terminal.open(container.current);
			const connection = connectTerminal({
				gatewayUrl,
				sessionId,
				token,
				onOutput: (data) => terminal.write(data),
				onState: (next, closeReason) => {
					setState(next);
					setReason(closeReason);
				},
			});
			const fitToContainer = () => {
				try {
					fit.fit();
					connection.resize(terminal.cols, terminal.rows);
				} catch {
					// not laid out yet
				}
			};
			fitToContainer();
			const input = terminal.onData((data) => connection.sendInput(data));
			const observer = new ResizeObserver(fitToContainer);
			observer.observe(container.current);
			terminal.focus();
			cleanup = () => {
				observer.disconnect();
				input.dispose();
				connection.close();
				terminal.dispose();
			};
		})().catch((error: unknown) => {
			setState("closed");
			setReason(error instanceof Error ? error.message : "Could not open the terminal");
		});
		return () => {
			disposed = true;
			cleanup();
		};
	}, [sessionId, ready, attempt]);

	if (!ready) {
		return (
			<div className="flex h-full items-center justify-center p-6 text-muted-foreground text-sm">
				The terminal opens once the sandbox is running.
			</div>
		);
	}
	return (
		<div className="flex h-full min-h-0 flex-col" data-testid="terminal-panel" data-state={state}>
			<div className="flex items-center gap-2 border-border border-b px-3 py-2 text-xs">
				<span className="font-medium text-sm">Terminal</span>
				<span className="text-muted-foreground">
					{state === "open"
						? "connected"
						: state === "connecting"
							? "connecting…"
							: `disconnected${reason ? `: ${reason}` : ""}`}
				</span>
				{state === "closed" ? (
					<button
						type="button"
						className="ml-auto text-primary underline"
						onClick={() => setAttempt((value) => value + 1)}
					>
						Reconnect
					</button>
				) : null}
			</div>
			<div className="min-h-0 flex-1 bg-card p-2">
				<div ref={container} data-testid="terminal" className="h-full w-full" />
			</div>
		</div>
	);
}
