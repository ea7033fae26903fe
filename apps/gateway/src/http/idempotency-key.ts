import type { IncomingMessage } from "node:http";
import { DomainError } from "@proliferate/shared";

export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";
/** Set on a response answered from a key's stored first response. */
export const IDEMPOTENT_REPLAYED_HEADER = "idempotent-replayed";
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

const validKey = new RegExp(`^[\\x20-\\x7e]{1,${MAX_IDEMPOTENCY_KEY_LENGTH}}$`);

export class InvalidIdempotencyKeyError extends DomainError {
	constructor() {
		super(
			"invalid_input",
			"INVALID_IDEMPOTENCY_KEY",
			`The Idempotency-Key header must be 1–${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters, sent once`,
		);
	}
}

/** The request's `Idempotency-Key`, undefined when absent; malformed or repeated → 400. */
export function idempotencyKeyOf(request: IncomingMessage): string | undefined {
	const values = request.rawHeaders.filter(
		(_, position) =>
			position % 2 === 1 && request.rawHeaders[position - 1]?.toLowerCase() === IDEMPOTENCY_KEY_HEADER,
	);
	if (values.length === 0) return undefined;
	const [value] = values;
	if (values.length > 1 || value === undefined || !validKey.test(value))
		throw new InvalidIdempotencyKeyError();
	return value;
}
