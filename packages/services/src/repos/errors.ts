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
