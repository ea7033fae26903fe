import { readFileSync } from "node:fs";
import { llmModelCatalogSchema } from "@proliferate/environment";
import { describe, expect, it } from "vitest";
import { CatalogError, defaultCatalogConfig, ModelCatalog, parseCatalogJson } from "./catalog";

describe("model catalog", () => {
	it("defaults to the scripted demo model", () => {
		const catalog = new ModelCatalog(defaultCatalogConfig(4300), {});
		expect(catalog.list()).toHaveLength(1);
		expect(catalog.get("demo")).toMatchObject({
			label: "Scripted demo model",
			deployments: [{ id: "scripted", protocol: "openai", origin: "http://127.0.0.1:4300", basePath: "/v1" }],
		});
	});

	it("resolves upstream keys by environment name and defaults cache prices to the input price", () => {
		const config = llmModelCatalogSchema.parse({
			models: [
				{
					name: "sonnet",
					deployments: [
						{
							provider: "anthropic",
							baseUrl: "https://api.anthropic.com/v1/",
							model: "claude-sonnet-4-5",
							apiKeyEnv: "ANTHROPIC_API_KEY",
							price: { input: 3, output: 15 },
						},
						{
							provider: "openrouter",
							baseUrl: "https://openrouter.ai/api/v1",
							apiKeyEnv: "OPENROUTER_API_KEY",
						},
					],
				},
			],
		});
		const catalog = new ModelCatalog(config, { ANTHROPIC_API_KEY: "a", OPENROUTER_API_KEY: "o" });
		const [anthropic, openrouter] = catalog.get("sonnet")?.deployments ?? [];
		expect(anthropic).toMatchObject({
			id: "anthropic:claude-sonnet-4-5",
			protocol: "anthropic",
			basePath: "/v1",
			apiKey: "a",
			timeoutMs: 120_000,
			price: { input: 3, output: 15, cacheRead: 3, cacheWrite: 3 },
		});
		expect(openrouter).toMatchObject({
			protocol: "openai",
			model: "sonnet",
			basePath: "/api/v1",
			apiKey: "o",
		});
		expect(() => new ModelCatalog(config, { ANTHROPIC_API_KEY: "a" })).toThrow(/OPENROUTER_API_KEY/);
	});

	it("names what is wrong in a catalog file", () => {
		expect(() => parseCatalogJson("{", "catalog.json")).toThrow(CatalogError);
		expect(() => parseCatalogJson('{"models":[{"name":"x","deployments":[]}]}', "catalog.json")).toThrow(
			/models\.0\.deployments/,
		);
		expect(() =>
			parseCatalogJson(
				JSON.stringify({
					models: [
						{ name: "x", deployments: [{ provider: "openai", baseUrl: "http://a/v1" }] },
						{ name: "x", deployments: [{ provider: "openai", baseUrl: "http://a/v1" }] },
					],
				}),
				"catalog.json",
			),
		).toThrow(/unique/);
	});

	it("accepts the example catalog shipped with the proxy", () => {
		const path = new URL("../../catalog.example.json", import.meta.url);
		const config = parseCatalogJson(readFileSync(path, "utf8"), "catalog.example.json");
		const catalog = new ModelCatalog(config, {
			ANTHROPIC_API_KEY: "a",
			OPENROUTER_API_KEY: "o",
			OPENAI_API_KEY: "p",
		});
		// A model with deployments of both protocols is reachable on both endpoints.
		expect(catalog.get("claude-sonnet-4-5")?.deployments.map((deployment) => deployment.protocol)).toEqual([
			"anthropic",
			"openai",
		]);
	});
});
