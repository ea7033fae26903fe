/**
 * A line-mode terminal over the sandbox's command execution: keeps the line being typed, echoes it,
 * runs it in the working directory on Enter and prints the output. It stands in for the PTY proxy
 * to sandbox-mcp until that lands, and speaks the same wire protocol (JSON input/resize frames in,
 * raw output out), so the browser terminal does not change when the PTY replaces it.
 */
export interface LineTerminalDeps {
	/** Runs a shell script in the sandbox; non-zero exits are results, not errors. */
	run: (script: string) => Promise<{ exitCode: number; stdout: string; stderr: string }>;
	write: (output: string) => void;
	initialDirectory: string;
}

const marker = "\u001e";
const maxLine = 8192;

function shellQuote(value: string): string {
	return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Terminal output wants CRLF line ends. */
function toTerminal(text: string): string {
	return text.replace(/\r?\n/g, "\r\n");
}

export class LineTerminal {
	private line = "";
	private directory: string;
	private busy = false;
	private readonly queue: string[] = [];

	constructor(private readonly deps: LineTerminalDeps) {
		this.directory = deps.initialDirectory;
	}

	get workingDirectory(): string {
		return this.directory;
	}

	prompt(): void {
		const home = this.directory.replace(/^\/home\/user(?=\/|$)/, "~");
		this.deps.write(`\u001b[32muser@sandbox\u001b[0m:\u001b[34m${home}\u001b[0m$ `);
	}

	/** Keystrokes from the browser (may hold several characters, e.g. a paste). */
	async input(data: string): Promise<void> {
		if (this.busy) {
			if (data.includes("\u0003")) this.deps.write("^C");
			this.queue.push(data);
			return;
		}
		for (const character of data) {
			if (character === "\r" || character === "\n") {
				const command = this.line;
				this.line = "";
				this.deps.write("\r\n");
				if (command.trim()) await this.execute(command);
				this.prompt();
				// Keystrokes typed while the command ran are handled now.
				const pending = this.queue.splice(0).join("");
				if (pending) await this.input(pending);
			} else if (character === "\u007f" || character === "\b") {
				if (this.line) {
					this.line = this.line.slice(0, -1);
					this.deps.write("\b \b");
				}
			} else if (character === "\u0003") {
				this.line = "";
				this.deps.write("^C\r\n");
				this.prompt();
			} else if (character === "\u0015") {
				this.deps.write("\b \b".repeat(this.line.length));
				this.line = "";
			} else if (character >= " " && this.line.length < maxLine) {
				this.line += character;
				this.deps.write(character);
			}
		}
	}

	private async execute(command: string): Promise<void> {
		this.busy = true;
		try {
			const script = `cd ${shellQuote(this.directory)} 2>/dev/null || cd ~\n${command}\n__status=$?\nprintf '${marker}%s${marker}' "$(pwd)"\nexit $__status`;
			const result = await this.deps.run(script);
			let output = `${result.stdout}${result.stderr}`;
			const found = output.match(new RegExp(`${marker}([^${marker}]*)${marker}$`));
			if (found?.[1]) {
				this.directory = found[1];
				output = output.slice(0, found.index);
			}
			if (output) this.deps.write(toTerminal(output.endsWith("\n") ? output : `${output}\n`));
		} catch (error) {
			this.deps.write(
				toTerminal(`\u001b[31m${error instanceof Error ? error.message : String(error)}\u001b[0m\n`),
			);
		} finally {
			this.busy = false;
		}
	}
}
