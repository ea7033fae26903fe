import { DomainError, NotFoundError } from "@proliferate/shared";

export class RepoNotFoundError extends NotFoundError {
	constructor(repoId: string) {
		super("Repository", repoId);
	}
}

export class RepoNameTakenError extends DomainError {
	constructor(name: string) {
		super("conflict", "REPO_NAME_TAKEN", `A repository named ${name} already exists in this organization`, {
			name,
		});
	}
}

export class InvalidRepoSourceError extends DomainError {
	constructor(message: string) {
		super("invalid_input", "INVALID_REPO_SOURCE", message);
	}
}

export class RepoUnreachableError extends DomainError {
	constructor(url: string, reason: string) {
		super("invalid_input", "REPO_UNREACHABLE", `Could not read the repository at ${url}: ${reason}`, { url });
	}
}

export class LocalReposDisabledError extends DomainError {
	constructor() {
		super(
			"forbidden",
			"LOCAL_REPOS_DISABLED",
			"Local repository paths are only accepted in self-hosted mode",
		);
	}
}

export class GithubNotConnectedError extends DomainError {
	constructor() {
		super(
			"precondition_failed",
			"GITHUB_NOT_CONNECTED",
			"Connect GitHub before importing repositories from it",
		);
	}
}

export class GithubRequestError extends DomainError {
	constructor(status: number, message: string) {
		super(githubErrorKind(status), "GITHUB_REQUEST_FAILED", message, {
			status,
		});
	}
}

function githubErrorKind(status: number): "forbidden" | "not_found" | "unavailable" {
	if (status === 401 || status === 403) return "forbidden";
	if (status === 404) return "not_found";
	return "unavailable";
}
