import { sessions } from "@proliferate/services";
import type { WebContext } from "../context";
import type { GatewayDeps } from "../gateway/deps";

/** How the web API reaches the gateway (HTTP, lifecycle only; streaming goes browser ↔ gateway). */
export function lifecycleDeps(web: WebContext): GatewayDeps {
	return {
		context: web.services,
		gateway: {
			baseUrl: web.env.GATEWAY_URL,
			userSecret: web.env.GATEWAY_JWT_SECRET,
			serviceSecret: web.env.SERVICE_TO_SERVICE_SECRET,
		},
	};
}

/** The models sessions may use: the configured default (the scripted demo model without vendor keys) and vendors'. */
export function configuredModels(web: WebContext): sessions.ModelOption[] {
	return sessions.listConfiguredModels({
		defaultModel: { id: web.env.AGENT_MODEL_ID, label: web.env.AGENT_MODEL_LABEL },
		vendorKeys: {
			anthropic: Boolean(web.env.ANTHROPIC_API_KEY),
			openai: Boolean(web.env.OPENAI_API_KEY),
			openrouter: Boolean(web.env.OPENROUTER_API_KEY),
		},
	});
}

/** Self-hosted mode: the sandboxes run on this machine, so local repository paths make sense. */
export function allowsLocalRepos(web: WebContext): boolean {
	return web.env.SANDBOX_PROVIDER === "local";
}
