import { connect } from "node:net";
import { join } from "node:path";

/** Talks to the in-sandbox supervisor over its control socket (one JSON line each way). */
export async function controlRequest<Response extends { ok: boolean; error?: string }>(
	runDir: string,
	request: Record<string, unknown>,
	timeoutMs = 30_000,
): Promise<Response> {
	return new Promise((resolvePromise, reject) => {
		const socket = connect(join(runDir, "control.sock"));
		let buffer = "";
		const timer = setTimeout(() => {
			socket.destroy();
			reject(new Error(`sandbox supervisor did not answer ${String(request.type)} within ${timeoutMs} ms`));
		}, timeoutMs);
		socket.on("connect", () => socket.write(`${JSON.stringify(request)}\n`));
		socket.on("data", (chunk) => {
			buffer += chunk.toString("utf8");
		});
		socket.on("end", () => {
			clearTimeout(timer);
			try {
				const response = JSON.parse(buffer.trim()) as Response;
				if (!response.ok) reject(new Error(response.error ?? "sandbox supervisor refused the request"));
				else resolvePromise(response);
			} catch {
				reject(new Error("sandbox supervisor closed the connection without an answer"));
			}
		});
		socket.on("error", (error) => {
			clearTimeout(timer);
			reject(error);
		});
	});
}

export async function waitForSupervisor(
	runDir: string,
	deadlineMs: number,
	isAlive: () => boolean,
): Promise<void> {
	const deadline = Date.now() + deadlineMs;
	let lastError: unknown;
	while (Date.now() < deadline) {
		if (!isAlive()) throw new Error("the sandbox exited during boot");
		try {
			await controlRequest(runDir, { type: "ping" }, 2000);
			return;
		} catch (error) {
			lastError = error;
			await new Promise((resolveDelay) => setTimeout(resolveDelay, 50));
		}
	}
	throw new Error(
		`the sandbox supervisor did not start: ${lastError instanceof Error ? lastError.message : "timeout"}`,
	);
}
