import type { IncomingMessage } from "node:http";
import { DomainError } from "@proliferate/shared/errors";
import { z } from "zod";
import { type ReadBodyOptions, readBody } from "./body";

export class InvalidJsonError extends DomainError {
	constructor() {
		super("invalid_input", "INVALID_JSON", "The request body is not valid JSON");
	}
}

export class InvalidRequestInputError extends DomainError {
	constructor(message: string) {
		super("invalid_input", "INVALID_INPUT", message);
	}
}

/** `value` checked against `schema`; a mismatch is an `INVALID_INPUT` error naming every issue on one line. */
export function parseInput<Schema extends z.ZodType>(schema: Schema, value: unknown): z.infer<Schema> {
	const result = schema.safeParse(value);
	if (!result.success) throw new InvalidRequestInputError(z.prettifyError(result.error).replace(/\n/g, "; "));
	return result.data;
}

export interface ReadJsonOptions extends ReadBodyOptions {
	limitBytes: number;
}

/** The request body parsed as JSON (an empty body is `{}`) and checked against `schema`. */
export async function readJson<Schema extends z.ZodType>(
	request: IncomingMessage,
	schema: Schema,
	options: ReadJsonOptions,
): Promise<z.infer<Schema>> {
	const body = await readBody(request, options.limitBytes, options);
	let parsed: unknown = {};
	if (body.length > 0) {
		try {
			parsed = JSON.parse(body.toString("utf8"));
		} catch {
			throw new InvalidJsonError();
		}
	}
	return parseInput(schema, parsed);
}
