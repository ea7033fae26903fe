import { randomUUID } from "node:crypto";
import type { TerminalInfo, TerminalServerFrame } from "@proliferate/shared/sandbox";
import { type IPty, spawn } from "node-pty";
import { TerminalNotFoundError, TooManyTerminalsError } from "./errors";

/** Output kept per terminal and replayed to a client that attaches (or re-attaches) later. */
const scrollbackBytes = 128 * 1024;

export interface TerminalListener {
	send(frame: TerminalServerFrame): void;
	close(): void;
}

interface Terminal {
	info: Omit<TerminalInfo, "attached">;
	pty: IPty;
	scrollback: string;
	listeners: Set<TerminalListener>;
}

export interface TerminalManagerOptions {
	shell: string;
	env: Record<string, string>;
	maxTerminals: number;
}

/** Real pseudo-terminals (node-pty) running a login shell; any number of clients may attach to one. */
export class TerminalManager {
	private readonly terminals = new Map<string, Terminal>();

	constructor(private readonly options: TerminalManagerOptions) {}

	create(input: { cols: number; rows: number; cwd: string }): TerminalInfo {
		if (this.terminals.size >= this.options.maxTerminals)
			throw new TooManyTerminalsError(this.options.maxTerminals);
		const id = `term_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
		const pty = spawn(this.options.shell, ["-l"], {
			name: "xterm-256color",
			cols: input.cols,
			rows: input.rows,
			cwd: input.cwd,
			env: { ...this.options.env, TERM: "xterm-256color", COLORTERM: "truecolor" },
		});
		const terminal: Terminal = {
			info: {
				id,
				pid: pty.pid,
				cols: input.cols,
				rows: input.rows,
				cwd: input.cwd,
				createdAt: new Date().toISOString(),
			},
			pty,
			scrollback: "",
			listeners: new Set(),
		};
		pty.onData((data) => {
			terminal.scrollback = (terminal.scrollback + data).slice(-scrollbackBytes);
			for (const listener of terminal.listeners) listener.send({ type: "output", data });
		});
		pty.onExit(({ exitCode, signal }) => {
			this.terminals.delete(id);
			for (const listener of terminal.listeners) {
				listener.send({ type: "exit", exitCode, signal: signal || null });
				listener.close();
			}
			terminal.listeners.clear();
		});
		this.terminals.set(id, terminal);
		return this.describe(terminal);
	}

	private describe(terminal: Terminal): TerminalInfo {
		return { ...terminal.info, attached: terminal.listeners.size };
	}

	private get(id: string): Terminal {
		const terminal = this.terminals.get(id);
		if (!terminal) throw new TerminalNotFoundError(id);
		return terminal;
	}

	has(id: string): boolean {
		return this.terminals.has(id);
	}

	list(): TerminalInfo[] {
		return [...this.terminals.values()].map((terminal) => this.describe(terminal));
	}

	/** Attaches a listener: it first receives the scrollback, then live output. Returns the detach function. */
	attach(id: string, listener: TerminalListener): () => void {
		const terminal = this.get(id);
		if (terminal.scrollback) listener.send({ type: "output", data: terminal.scrollback });
		terminal.listeners.add(listener);
		return () => terminal.listeners.delete(listener);
	}

	write(id: string, data: string): void {
		this.get(id).pty.write(data);
	}

	resize(id: string, cols: number, rows: number): TerminalInfo {
		const terminal = this.get(id);
		terminal.pty.resize(cols, rows);
		terminal.info.cols = cols;
		terminal.info.rows = rows;
		return this.describe(terminal);
	}

	/** Hangs up the terminal's shell (and its process group), killing it if it lingers. */
	close(id: string): void {
		const terminal = this.get(id);
		terminal.pty.kill("SIGHUP");
		const pid = terminal.pty.pid;
		setTimeout(() => {
			if (this.terminals.get(id) !== terminal) return;
			try {
				process.kill(pid, "SIGKILL");
			} catch {}
		}, 2000).unref();
	}

	closeAll(): void {
		for (const id of [...this.terminals.keys()]) this.close(id);
	}
}
