/** Console output for the platform scripts: steps with a spinner on a TTY, plain lines otherwise. */
const isTty = process.stdout.isTTY === true && process.env.CI !== "true";
const color = (code: number) => (text: string) => (isTty ? `\u001b[${code}m${text}\u001b[0m` : text);
export const bold = color(1);
export const dim = color(2);
export const red = color(31);
export const green = color(32);
export const yellow = color(33);
export const cyan = color(36);

const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** Runs `work` showing `label` with a spinner and elapsed time; prints ✓ or ✗ at the end. */
export async function step<T>(
	label: string,
	work: (update: (detail: string) => void) => Promise<T>,
): Promise<T> {
	const started = Date.now();
	let detail = "";
	let frame = 0;
	const render = () => {
		const seconds = ((Date.now() - started) / 1000).toFixed(1);
		process.stdout.write(
			`\r\u001b[2K${cyan(frames[frame++ % frames.length] ?? "")} ${label}${detail ? dim(` — ${detail}`) : ""} ${dim(`${seconds}s`)}`,
		);
	};
	const timer = isTty ? setInterval(render, 80) : undefined;
	if (!isTty) process.stdout.write(`… ${label}\n`);
	try {
		const result = await work((next) => {
			detail = next;
			if (!isTty) process.stdout.write(`  ${dim(next)}\n`);
		});
		if (timer) clearInterval(timer);
		const seconds = ((Date.now() - started) / 1000).toFixed(1);
		process.stdout.write(`${isTty ? "\r\u001b[2K" : ""}${green("✓")} ${label} ${dim(`(${seconds}s)`)}\n`);
		return result;
	} catch (error) {
		if (timer) clearInterval(timer);
		process.stdout.write(`${isTty ? "\r\u001b[2K" : ""}${red("✗")} ${label}\n`);
		throw error;
	}
}

export function info(message: string): void {
	process.stdout.write(`${message}\n`);
}

export function warn(message: string): void {
	process.stderr.write(`${yellow("!")} ${message}\n`);
}

/** A failure the user can fix: printed as one clear line, without a stack trace. */
export class SetupError extends Error {
	constructor(message: string) {
		super(message);
		this.name = "SetupError";
	}
}
