import { DomainError, NotFoundError } from "@proliferate/shared";

export class OrganizationNotFoundError extends NotFoundError {
	constructor(organizationId: string) {
		super("Organization", organizationId);
	}
}

export class NotAMemberError extends DomainError {
	constructor(organizationId: string) {
		// Reported as not found so callers cannot probe which organizations exist.
		super("not_found", "ORGANIZATION_NOT_FOUND", `Organization ${organizationId} was not found`, {
			organizationId,
		});
	}
}

export class UserNotFoundError extends NotFoundError {
	constructor(userId: string) {
		super("User", userId);
	}
}

export class EmailTakenError extends DomainError {
	constructor(email: string) {
		super("conflict", "EMAIL_TAKEN", `A user with email ${email} already exists`);
	}
}
