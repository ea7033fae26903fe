import { describe, expect, it } from "vitest";
import { databaseEnvSchema, EnvironmentError, envSchema, parseEnvironment } from "./index";

const validBase = {
	DATABASE_URL: "postgres://postgres@127.0.0.1:5432/proliferate",
};

describe("parseEnvironment", () => {
	it("applies documented defaults", () => {
		const env = parseEnvironment(databaseEnvSchema, validBase);
		expect(env.NODE_ENV).toBe("development");
		expect(env.LOG_LEVEL).toBe("info");
	});

	it("names a bad key in one line", () => {
		expect(() => parseEnvironment(databaseEnvSchema, { DATABASE_URL: "nonsense" })).toThrowError(
			/^Invalid configuration: DATABASE_URL must be a URL starting with postgres:\/\/ or postgresql:\/\//,
		);
	});

	it("names every missing key", () => {
		const schema = envSchema.pick({ DATABASE_URL: true, REDIS_URL: true, AUTH_SECRET: true });
		try {
			parseEnvironment(schema, {});
			expect.unreachable();
		} catch (error) {
			expect(error).toBeInstanceOf(EnvironmentError);
			const keys = (error as EnvironmentError).issues.map((issue) => issue.key).sort();
			expect(keys).toEqual(["AUTH_SECRET", "DATABASE_URL", "REDIS_URL"]);
			expect((error as Error).message).toContain("REDIS_URL is required");
			expect((error as Error).message.split("\n")).toHaveLength(1);
		}
	});

	it("treats empty strings as unset and coerces numbers and flags", () => {
		const schema = envSchema.pick({ GATEWAY_PORT: true, SANDBOX_ALLOW_INTERNET: true, LOG_LEVEL: true });
		const env = parseEnvironment(schema, {
			GATEWAY_PORT: "5001",
			SANDBOX_ALLOW_INTERNET: "1",
			LOG_LEVEL: "",
		});
		expect(env).toEqual({ GATEWAY_PORT: 5001, SANDBOX_ALLOW_INTERNET: true, LOG_LEVEL: "info" });
	});

	it("rejects short secrets with a hint", () => {
		const schema = envSchema.pick({ AUTH_SECRET: true });
		expect(() => parseEnvironment(schema, { AUTH_SECRET: "short" })).toThrowError(
			/AUTH_SECRET must be at least 32/,
		);
	});

	it("ignores keys outside the schema", () => {
		const env = parseEnvironment(databaseEnvSchema, { ...validBase, UNRELATED: "x" });
		expect(env).not.toHaveProperty("UNRELATED");
	});
});
