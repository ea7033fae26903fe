import { DomainError } from "@proliferate/shared";

export class UnknownOutboxKindError extends DomainError {
	constructor(kind: string) {
		super(
			"invalid_input",
			"OUTBOX_UNKNOWN_KIND",
			`No job named ${JSON.stringify(kind.slice(0, 100))} in the queue catalog`,
		);
	}
}

export class InvalidOutboxPayloadError extends DomainError {
	constructor(kind: string, issues: string) {
		super("invalid_input", "OUTBOX_INVALID_PAYLOAD", `Invalid payload for ${kind}: ${issues}`);
	}
}

export class OutboxRowNotFoundError extends DomainError {
	constructor(id: string) {
		super("not_found", "OUTBOX_ROW_NOT_FOUND", `No failed outbox row ${id}`);
	}
}
