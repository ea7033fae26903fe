import { existsSync } from "node:fs";
import { join } from "node:path";
import { SANDBOX_GIT_IDENTITY } from "@proliferate/shared";
import { type SandboxLayout, sandboxPaths } from "./layout";

export interface RuntimeMount {
	hostPath: string;
	sandboxPath: string;
}

/** Host system paths visible read-only inside a sandbox (nothing of the host's data). */
const systemReadOnly = [
	"/usr",
	"/etc/ssl",
	"/etc/alternatives",
	"/etc/ld.so.cache",
	"/etc/localtime",
	"/etc/mime.types",
];

/**
 * bubblewrap arguments for one sandbox: every namespace unshared (own PID, network with only `lo`,
 * IPC, UTS, user mapped to uid 1000, cgroup), no capabilities, read-only system directories,
 * a writable home (holding the workspace), a private /tmp, dies with its parent.
 */
export function bwrapArguments(
	layout: SandboxLayout,
	mounts: RuntimeMount[],
	runtimeDirectory: string,
): string[] {
	const args = [
		"--die-with-parent",
		"--new-session",
		"--unshare-all",
		"--unshare-user",
		"--uid",
		"1000",
		"--gid",
		"1000",
		"--cap-drop",
		"ALL",
		"--hostname",
		"sandbox",
		"--clearenv",
	];
	for (const path of systemReadOnly) {
		if (existsSync(path)) args.push("--ro-bind", path, path);
	}
	args.push("--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/sbin", "/sbin");
	if (existsSync("/usr/lib64")) args.push("--symlink", "usr/lib64", "/lib64");
	for (const file of ["passwd", "group", "hosts", "nsswitch.conf", "gitconfig"]) {
		args.push("--ro-bind", join(layout.etcDir, file), `/etc/${file}`);
	}
	args.push(
		"--proc",
		"/proc",
		"--dev",
		"/dev",
		"--tmpfs",
		"/tmp",
		"--bind",
		layout.home,
		sandboxPaths.home,
		"--bind",
		layout.runDir,
		sandboxPaths.runDir,
		"--ro-bind",
		runtimeDirectory,
		sandboxPaths.runtime,
	);
	for (const mount of mounts) args.push("--ro-bind", mount.hostPath, mount.sandboxPath);
	args.push("--chdir", sandboxPaths.home);
	return args;
}

/** The small /etc a sandbox gets: one user, loopback only, a git identity. */
export function sandboxEtcFiles(): Record<string, string> {
	return {
		passwd:
			"root:x:0:0:root:/nonexistent:/usr/sbin/nologin\nuser:x:1000:1000:Sandbox User:/home/user:/bin/bash\n",
		group: "root:x:0:\nuser:x:1000:\n",
		hosts: "127.0.0.1 localhost sandbox\n::1 localhost\n",
		"nsswitch.conf": "passwd: files\ngroup: files\nhosts: files\n",
		gitconfig: `[user]\n\tname = ${SANDBOX_GIT_IDENTITY.name}\n\temail = ${SANDBOX_GIT_IDENTITY.email}\n[init]\n\tdefaultBranch = main\n[safe]\n\tdirectory = *\n`,
	};
}

export function sandboxBaseEnvironment(): Record<string, string> {
	return {
		HOME: sandboxPaths.home,
		USER: "user",
		LOGNAME: "user",
		PATH: "/usr/local/bin:/usr/bin:/bin",
		LANG: "C.UTF-8",
		TERM: "xterm-256color",
		PROLIFERATE_RUN_DIR: sandboxPaths.runDir,
		PROLIFERATE_LOG_DIR: sandboxPaths.logDir,
		PROLIFERATE_WORKSPACE: sandboxPaths.workspace,
	};
}
