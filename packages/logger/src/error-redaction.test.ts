import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./index";

/** What Drizzle throws for a failed query: the bound values sit in `params` and in the message. */
class FailedQueryError extends Error {
	constructor(
		readonly query: string,
		readonly params: unknown[],
		cause?: unknown,
	) {
		super(`Failed query: ${query}\nparams: ${params}`, { cause });
	}
}

describe("logged errors", () => {
	it("never carry the bound values of a failed database query, also when wrapped", () => {
		const chunks: string[] = [];
		const destination = new Writable({
			write(chunk, _encoding, callback) {
				chunks.push(String(chunk));
				callback();
			},
		});
		const log = createLogger({ service: "web", destination });
		const sessionToken = "A5145CyFL33T23sPKFCOeCrrZ3sessiontoken";
		const failed = new FailedQueryError('select "id" from "auth_sessions" where "token" = $1', [
			sessionToken,
			"line one\nline two secret-on-second-line",
		]);
		log.error({ err: failed }, "query failed");
		// better-auth wraps database errors into its own, repeating the message.
		log.error(
			{ err: new Error(`Failed to get session: ${failed.message}`, { cause: failed }) },
			"auth failed",
		);
		const text = chunks.join("");
		expect(text).not.toContain(sessionToken);
		expect(text).not.toContain("secret-on-second-line");
		// What is useful to an operator stays: the query and where it failed.
		expect(text).toContain('select \\"id\\" from \\"auth_sessions\\"');
		expect(text).toContain("params: [redacted]");
		expect(text).toContain("error-redaction.test.ts");
	});
});
