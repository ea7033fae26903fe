import { envSchema, loadEnvironmentOrExit } from "@proliferate/environment";
import { createLogger, installProcessGuard } from "@proliferate/logger";
import { createScriptedModelServer } from "./server";

const env = loadEnvironmentOrExit(
	envSchema.pick({ SCRIPTED_MODEL_PORT: true, LOG_LEVEL: true }),
	"scripted-model",
);
const logger = createLogger({ service: "scripted-model", level: env.LOG_LEVEL });
// As in every app: what escapes every handler is logged; an uncaught exception exits 1 (and is restarted).
installProcessGuard(logger);
const model = await createScriptedModelServer({
	port: env.SCRIPTED_MODEL_PORT,
	onRequest: (info) => logger.debug(info, "completion"),
});
logger.info({ url: model.url }, "scripted demo model listening");

const shutdown = async () => {
	await model.close();
	process.exit(0);
};
process.on("SIGTERM", () => void shutdown());
process.on("SIGINT", () => void shutdown());
