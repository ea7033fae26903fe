import type { z } from "zod";

/** Raised when configuration is invalid; `message` is one line naming every bad key. */
export class EnvironmentError extends Error {
	readonly issues: { key: string; message: string }[];

	constructor(issues: { key: string; message: string }[]) {
		super(
			`Invalid configuration: ${issues.map((issue) => `${issue.key} ${issue.message}`).join("; ")}. See packages/environment/src/schema.ts.`,
		);
		this.name = "EnvironmentError";
		this.issues = issues;
	}
}

/** Parses `source` against `schema`. Empty strings count as unset. Throws EnvironmentError. */
export function parseEnvironment<Schema extends z.ZodObject>(
	schema: Schema,
	source: Record<string, string | undefined>,
): z.infer<Schema> {
	const cleaned: Record<string, string> = {};
	for (const key of Object.keys(schema.shape)) {
		const value = source[key];
		if (value !== undefined && value !== "") cleaned[key] = value;
	}
	const result = schema.safeParse(cleaned);
	if (result.success) return result.data;
	const issues = result.error.issues.map((issue) => {
		const key = String(issue.path[0] ?? "(root)");
		const message =
			cleaned[key] === undefined && issue.code === "invalid_type" ? "is required" : issue.message;
		return { key, message };
	});
	throw new EnvironmentError(issues);
}

/**
 * For app entry points: parse `process.env`, and on failure print one clear line and exit(1).
 */
export function loadEnvironmentOrExit<Schema extends z.ZodObject>(
	schema: Schema,
	service: string,
): z.infer<Schema> {
	try {
		return parseEnvironment(schema, process.env);
	} catch (error) {
		if (error instanceof EnvironmentError) {
			process.stderr.write(`[${service}] ${error.message}\n`);
			process.exit(1);
		}
		throw error;
	}
}
