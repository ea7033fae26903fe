import { type ChildProcessWithoutNullStreams, execFile, spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import { promisify } from "node:util";
import type { FakeGithubState } from "./state";

const run = promisify(execFile);

/** Git smart HTTP through `git http-backend`, after GitHub's access checks. */
export async function gitRoute(
	state: FakeGithubState,
	request: IncomingMessage,
	response: ServerResponse,
	path: URL,
): Promise<boolean> {
	const match = path.pathname.match(/^\/git\/([\w.-]+)\/([\w.-]+?)\.git(\/.*)$/);
	if (!match) return false;
	const fullName = `${match[1]}/${match[2]}`;
	const repository = state.repositories.get(fullName);
	const write = path.searchParams.get("service") === "git-receive-pack" || match[3] === "/git-receive-pack";
	const basic = (request.headers.authorization ?? "").match(/^Basic\s+(.+)$/i);
	const password = basic
		? Buffer.from(basic[1] ?? "", "base64")
				.toString()
				.split(":")
				.slice(1)
				.join(":")
		: "";
	const who = password ? state.principalOf(password) : null;
	const challenge = { "www-authenticate": 'Basic realm="GitHub"', "content-type": "text/plain" };
	if (password && !who) {
		response.writeHead(401, challenge);
		response.end("Invalid username or token.\n");
		return true;
	}
	const allowed =
		repository?.gitDir &&
		(who
			? write
				? state.canWrite(who, fullName)
				: state.canRead(who, fullName)
			: !write && !repository.private);
	if (!allowed) {
		if (!who) {
			response.writeHead(401, challenge);
			response.end("Authentication required.\n");
		} else {
			response.writeHead(404, { "content-type": "text/plain" });
			response.end("Repository not found.\n");
		}
		return true;
	}
	const env: Record<string, string> = {
		PATH: process.env.PATH ?? "/usr/bin:/bin",
		HOME: state.gitRoot,
		GIT_CONFIG_NOSYSTEM: "1",
		GIT_PROJECT_ROOT: state.gitRoot,
		GIT_HTTP_EXPORT_ALL: "1",
		PATH_INFO: `/${fullName}.git${match[3]}`,
		REQUEST_METHOD: request.method ?? "GET",
		QUERY_STRING: path.search.replace(/^\?/, ""),
		CONTENT_TYPE: request.headers["content-type"] ?? "",
		REMOTE_ADDR: "127.0.0.1",
		...(who ? { REMOTE_USER: who } : {}),
		...(request.headers["content-length"] ? { CONTENT_LENGTH: request.headers["content-length"] } : {}),
		...(request.headers["content-encoding"]
			? { HTTP_CONTENT_ENCODING: String(request.headers["content-encoding"]) }
			: {}),
		...(request.headers["git-protocol"]
			? { HTTP_GIT_PROTOCOL: String(request.headers["git-protocol"]) }
			: {}),
	};
	const child: ChildProcessWithoutNullStreams = spawn("git", ["http-backend"], {
		stdio: "pipe",
		// Only what http-backend needs (not the test process's environment).
		env: env as NodeJS.ProcessEnv,
	});
	child.stdin.on("error", () => {});
	request.pipe(child.stdin);
	const chunks: Buffer[] = [];
	child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
	child.stderr.resume();
	await new Promise<void>((resolve) => {
		child.once("close", () => resolve());
	});
	const output = Buffer.concat(chunks);
	const split = output.indexOf("\r\n\r\n");
	const headerText = split >= 0 ? output.subarray(0, split).toString() : "";
	const headers: Record<string, string> = {};
	let status = 200;
	for (const line of headerText.split("\r\n")) {
		const [name, ...rest] = line.split(":");
		if (!name || rest.length === 0) continue;
		const value = rest.join(":").trim();
		if (name.toLowerCase() === "status") status = Number(value.split(" ")[0]) || 200;
		else headers[name] = value;
	}
	response.writeHead(status, headers);
	response.end(split >= 0 ? output.subarray(split + 4) : output);
	return true;
}

/** The commit a branch points at in a bare repository, or null when it does not exist. */
export async function refExists(gitDir: string, ref: string): Promise<string | null> {
	try {
		const { stdout } = await run("git", [
			"--git-dir",
			gitDir,
			"rev-parse",
			"--verify",
			"--quiet",
			`refs/heads/${ref}`,
		]);
		return stdout.trim() || null;
	} catch {
		return null;
	}
}
