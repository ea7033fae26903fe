import { ORPCError } from "@orpc/server";
import type { Logger } from "@proliferate/logger";
import { type ErrorKind, isDomainError } from "@proliferate/shared/errors";

const orpcCodeByKind: Record<ErrorKind, string> = {
	invalid_input: "BAD_REQUEST",
	unauthenticated: "UNAUTHORIZED",
	payment_required: "PAYMENT_REQUIRED",
	forbidden: "FORBIDDEN",
	not_found: "NOT_FOUND",
	conflict: "CONFLICT",
	precondition_failed: "PRECONDITION_FAILED",
	rate_limited: "TOO_MANY_REQUESTS",
	internal: "INTERNAL_SERVER_ERROR",
	unavailable: "SERVICE_UNAVAILABLE",
	timeout: "GATEWAY_TIMEOUT",
};

/** The one mapping from thrown errors to oRPC errors: domain errors keep their kind, code and message. */
export function toOrpcError(error: unknown, logger: Logger): ORPCError<string, unknown> {
	if (error instanceof ORPCError) return error;
	if (isDomainError(error)) {
		return new ORPCError(orpcCodeByKind[error.kind], {
			status: error.httpStatus,
			message: error.message,
			data: { code: error.code, ...(error.details ? { details: error.details } : {}) },
		});
	}
	logger.error({ err: error }, "unexpected error in a procedure");
	return new ORPCError("INTERNAL_SERVER_ERROR", { message: "Something went wrong" });
}
