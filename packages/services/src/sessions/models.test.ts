import { describe, expect, it } from "vitest";
import { listConfiguredModels } from "./models";

describe("listConfiguredModels", () => {
	it("offers only the scripted demo model when no vendor key is set", () => {
		expect(
			listConfiguredModels({ defaultModel: { id: "demo", label: "Scripted demo model" }, vendorKeys: {} }),
		).toEqual([{ id: "demo", label: "Scripted demo model", provider: "scripted", isDefault: true }]);
	});

	it("adds each configured vendor's models after the default, without repeating it", () => {
		const models = listConfiguredModels({
			defaultModel: { id: "claude-sonnet-4-5", label: "Claude Sonnet 4.5" },
			vendorKeys: { anthropic: true },
		});
		expect(models.map((model) => [model.id, model.provider, model.isDefault])).toEqual([
			["claude-sonnet-4-5", "anthropic", true],
			["claude-opus-4-1", "anthropic", false],
		]);
	});
});
