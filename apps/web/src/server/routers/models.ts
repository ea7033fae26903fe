import { orgProcedure } from "../orpc";
import { configuredModels } from "./session-deps";

export const modelsRouter = {
	/** The model selector's options: the configured models, default first. */
	list: orgProcedure.handler(({ context }) => configuredModels(context.web)),
};
