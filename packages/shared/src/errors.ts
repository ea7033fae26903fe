/**
 * The kinds of failure every edge knows how to map (HTTP status, ORPCError code, WS error frame).
 * Domain errors pick one; the edge never inspects class names.
 */
export type ErrorKind =
	| "invalid_input"
	| "unauthenticated"
	| "forbidden"
	| "not_found"
	| "conflict"
	| "precondition_failed"
	| "rate_limited"
	| "payment_required"
	| "unavailable"
	| "timeout"
	| "internal";

export const HTTP_STATUS_BY_KIND: Record<ErrorKind, number> = {
	invalid_input: 400,
	unauthenticated: 401,
	payment_required: 402,
	forbidden: 403,
	not_found: 404,
	conflict: 409,
	precondition_failed: 412,
	rate_limited: 429,
	internal: 500,
	unavailable: 503,
	timeout: 504,
};

/**
 * Base class of every typed error the platform throws on purpose.
 * `code` is stable (clients may switch on it); `message` is for people.
 */
export class DomainError extends Error {
	readonly code: string;
	readonly kind: ErrorKind;
	readonly details: Record<string, unknown> | undefined;

	constructor(kind: ErrorKind, code: string, message: string, details?: Record<string, unknown>) {
		super(message);
		this.name = new.target.name;
		this.kind = kind;
		this.code = code;
		this.details = details;
	}

	get httpStatus(): number {
		return HTTP_STATUS_BY_KIND[this.kind];
	}

	toJSON(): { code: string; kind: ErrorKind; message: string; details?: Record<string, unknown> } {
		return {
			code: this.code,
			kind: this.kind,
			message: this.message,
			...(this.details ? { details: this.details } : {}),
		};
	}
}

export class NotFoundError extends DomainError {
	constructor(entity: string, id: string) {
		super(
			"not_found",
			`${entity.toUpperCase().replace(/\s+/g, "_")}_NOT_FOUND`,
			`${entity} ${id} was not found`,
			{
				entity,
				id,
			},
		);
	}
}

export class InvalidInputError extends DomainError {
	constructor(message: string, details?: Record<string, unknown>) {
		super("invalid_input", "INVALID_INPUT", message, details);
	}
}

export function isDomainError(error: unknown): error is DomainError {
	return error instanceof DomainError;
}

/** Message of any thrown value, for logs and error frames. */
export function errorMessage(error: unknown): string {
	if (error instanceof Error) return error.message;
	return typeof error === "string" ? error : JSON.stringify(error);
}
