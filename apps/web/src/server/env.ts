import { parseEnvironment, webEnvSchema } from "@proliferate/environment";
import type { z } from "zod";

export type WebEnv = z.infer<typeof webEnvSchema>;

/** The web app's configuration (packages/environment, keys in src/keys/web.ts), parsed once on first use. */
export function readWebEnv(): WebEnv {
	// biome-ignore lint/style/noProcessEnv: the web app's single entry to configuration.
	return parseEnvironment(webEnvSchema, process.env);
}
