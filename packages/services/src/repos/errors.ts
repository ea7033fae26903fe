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
