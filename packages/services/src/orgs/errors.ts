import { DomainError, NotFoundError, type SandboxProviderType } from "@proliferate/shared";

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

export class PermissionDeniedError extends DomainError {
	constructor(action: string) {
		super("forbidden", "PERMISSION_DENIED", `Your role in this organization does not allow: ${action}`, {
			action,
		});
	}
}

export class LastOwnerError extends DomainError {
	constructor() {
		super(
			"precondition_failed",
			"LAST_OWNER",
			"An organization needs an owner: make someone else an owner first",
		);
	}
}

export class MemberNotFoundError extends DomainError {
	constructor(userId: string) {
		super("not_found", "MEMBER_NOT_FOUND", `Member ${userId} was not found in this organization`, { userId });
	}
}

export class InvitationNotFoundError extends DomainError {
	constructor() {
		super("not_found", "INVITATION_NOT_FOUND", "This invitation does not exist or was withdrawn");
	}
}

export class InvitationNotPendingError extends DomainError {
	constructor(status: string) {
		super("precondition_failed", "INVITATION_NOT_PENDING", `This invitation was already ${status}`, {
			status,
		});
	}
}

export class InvitationExpiredError extends DomainError {
	constructor() {
		super("precondition_failed", "INVITATION_EXPIRED", "This invitation has expired; ask for a new one");
	}
}

export class InvitationForAnotherEmailError extends DomainError {
	constructor() {
		super("forbidden", "INVITATION_FOR_ANOTHER_EMAIL", "This invitation was sent to another email address");
	}
}

export class AlreadyMemberError extends DomainError {
	constructor() {
		super("conflict", "ALREADY_MEMBER", "That person is already a member of this organization");
	}
}

export class PersonalOrganizationError extends DomainError {
	constructor(action: string) {
		super("precondition_failed", "PERSONAL_ORGANIZATION", `A personal workspace cannot ${action}`);
	}
}

export class DomainNotAllowedError extends DomainError {
	constructor(domain: string) {
		super(
			"forbidden",
			"EMAIL_DOMAIN_NOT_ALLOWED",
			`Joining by the email domain ${domain} is not possible here`,
			{
				domain,
			},
		);
	}
}

export class SandboxProviderNotConfiguredError extends DomainError {
	constructor(provider: SandboxProviderType, requires: string) {
		super(
			"precondition_failed",
			"SANDBOX_PROVIDER_NOT_CONFIGURED",
			`The ${provider} sandbox provider is not configured on this deployment: an operator must set ${requires} on the gateway`,
			{ provider, requires },
		);
	}
}
