import { envSchema, loadEnvironmentOrExit } from "@proliferate/environment";
import { createLogger } from "@proliferate/logger";
import { createScriptedModelServer } from "./server";

const env = loadEnvironmentOrExit(
	envSchema.pick({ SCRIPTED_MODEL_PORT: true, LOG_LEVEL: true }),
	"scripted-model",
);
const logger = createLogger({ service: "scripted-model", level: env.LOG_LEVEL });
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
