/** A model a person can pick for a session. */
export interface ModelOption {
	id: string;
	label: string;
	/** Who serves it: the built-in scripted model, or an upstream vendor through the LLM proxy. */
	provider: "scripted" | "anthropic" | "openai" | "openrouter";
	isDefault: boolean;
}

/** Vendor models offered when the vendor's key is configured (served through the LLM proxy). */
const vendorModels: Record<"anthropic" | "openai" | "openrouter", { id: string; label: string }[]> = {
	anthropic: [
		{ id: "claude-sonnet-4-5", label: "Claude Sonnet 4.5" },
		{ id: "claude-opus-4-1", label: "Claude Opus 4.1" },
	],
	openai: [
		{ id: "gpt-5", label: "GPT-5" },
		{ id: "gpt-5-mini", label: "GPT-5 mini" },
	],
	openrouter: [{ id: "openrouter/auto", label: "OpenRouter (auto)" }],
};

/**
 * The models sessions may use: the configured default (the scripted demo model when no vendor key
 * is set) first, then each configured vendor's models.
 */
export function listConfiguredModels(config: {
	defaultModel: { id: string; label: string };
	vendorKeys: { anthropic?: boolean; openai?: boolean; openrouter?: boolean };
}): ModelOption[] {
	const vendorOfDefault = (Object.keys(vendorModels) as (keyof typeof vendorModels)[]).find((vendor) =>
		vendorModels[vendor].some((model) => model.id === config.defaultModel.id),
	);
	const defaultProvider: ModelOption["provider"] = vendorOfDefault ?? "scripted";
	const options: ModelOption[] = [{ ...config.defaultModel, provider: defaultProvider, isDefault: true }];
	for (const provider of ["anthropic", "openai", "openrouter"] as const) {
		if (!config.vendorKeys[provider]) continue;
		for (const model of vendorModels[provider]) {
			if (model.id !== config.defaultModel.id) options.push({ ...model, provider, isDefault: false });
		}
	}
	return options;
}
