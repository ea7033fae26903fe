import type { ClientCommand, SessionEventInput } from "@proliferate/shared";
import type { SessionController } from "../session/session-controller";

export type GitCommand = Extract<ClientCommand, { type: `git.${string}` }>;

export function isGitCommand(command: ClientCommand): command is GitCommand {
	return command.type.startsWith("git.");
}

/** The `git.result` event for a git command (the action is the command's type without `git.`). */
export function gitResultEvent(
	command: GitCommand,
	success: boolean,
	code: string,
	message: string,
	prUrl?: string,
): SessionEventInput {
	const action = command.type.replace("git.", "") as
		| "status"
		| "diff"
		| "create_branch"
		| "commit"
		| "push"
		| "create_pr";
	return {
		type: "git.result",
		action,
		success,
		code: code as "SUCCESS",
		message,
		...(prUrl ? { prUrl } : {}),
		...(command.requestId ? { requestId: command.requestId } : {}),
	};
}

/**
 * Runs a client's git command in the session's sandbox. Status and diff only answer; a branch,
 * commit, push or pull request is also published as a `git.result` event.
 */
export async function runGitCommand(
	controller: SessionController,
	command: GitCommand,
	publish: (input: SessionEventInput) => Promise<unknown>,
): Promise<unknown> {
	switch (command.type) {
		case "git.status":
			return controller.git.status();
		case "git.diff":
			return controller.git.diff(command.path);
		case "git.create_branch": {
			const message = await controller.git.createBranch(command.branchName);
			await publish(gitResultEvent(command, true, "SUCCESS", message));
			return { message };
		}
		case "git.commit": {
			const message = await controller.git.commit(command.message, {
				...(command.includeUntracked !== undefined ? { includeUntracked: command.includeUntracked } : {}),
				...(command.files ? { files: command.files } : {}),
			});
			await publish(gitResultEvent(command, true, "SUCCESS", message));
			return { message };
		}
		case "git.push": {
			const message = await controller.git.push();
			await publish(gitResultEvent(command, true, "SUCCESS", message));
			return { message };
		}
		case "git.create_pr": {
			const pull = await controller.openPullRequest({
				title: command.title,
				...(command.body !== undefined ? { body: command.body } : {}),
				...(command.baseBranch ? { baseBranch: command.baseBranch } : {}),
			});
			await publish(gitResultEvent(command, true, "SUCCESS", pull.message, pull.url));
			return pull;
		}
	}
}
