import { describe, expect, it } from "vitest";
import {
	databaseEnvSchema,
	EnvironmentError,
	envSchema,
	gatewayEnvSchema,
	llmProxyEnvSchema,
	parseEnvironment,
} from "./index";

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

describe("LLM proxy keys", () => {
	const base = {
		DATABASE_URL: "postgres://postgres@127.0.0.1:5432/proliferate",
		REDIS_URL: "redis://127.0.0.1:6379",
		LLM_PROXY_ADMIN_SECRET: "a".repeat(40),
	};

	it("parses a catalog from JSON with defaults, and names the path of what is wrong", () => {
		const env = parseEnvironment(llmProxyEnvSchema, {
			...base,
			LLM_MODEL_CATALOG: JSON.stringify({
				models: [
					{ name: "demo", deployments: [{ provider: "scripted", baseUrl: "http://127.0.0.1:4300/v1" }] },
				],
			}),
		});
		expect(env.LLM_MODEL_CATALOG?.models[0]?.deployments[0]).toMatchObject({
			timeoutMs: 120_000,
			price: { input: 0, output: 0 },
		});
		expect(() =>
			parseEnvironment(llmProxyEnvSchema, {
				...base,
				LLM_MODEL_CATALOG: JSON.stringify({
					models: [{ name: "demo", deployments: [{ provider: "nope", baseUrl: "http://x/v1" }] }],
				}),
			}),
		).toThrow(/LLM_MODEL_CATALOG is not a valid model catalog: models\.0\.deployments\.0\.provider/);
		expect(() => parseEnvironment(llmProxyEnvSchema, { ...base, LLM_MODEL_CATALOG: "{" })).toThrow(
			/LLM_MODEL_CATALOG must be valid JSON/,
		);
	});

	it("lets the gateway run without the proxy's admin secret", () => {
		const env = parseEnvironment(gatewayEnvSchema, {
			DATABASE_URL: base.DATABASE_URL,
			REDIS_URL: base.REDIS_URL,
			GATEWAY_JWT_SECRET: "g".repeat(40),
			SERVICE_TO_SERVICE_SECRET: "s".repeat(40),
		});
		expect(env.LLM_PROXY_ADMIN_SECRET).toBeUndefined();
		expect(env.LLM_PROXY_URL).toBe("http://127.0.0.1:4200");
	});
});
