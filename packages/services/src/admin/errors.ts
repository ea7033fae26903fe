import { DomainError } from "@proliferate/shared";

export class CannotImpersonateError extends DomainError {
	constructor(reason: string) {
		super("precondition_failed", "CANNOT_IMPERSONATE", reason);
	}
}
