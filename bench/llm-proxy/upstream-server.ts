/** The fake OpenAI/Anthropic upstream as its own process (the benchmark's baseline target). Prints its URL. */
import { createFakeUpstream } from "@proliferate/llm-proxy/testing";

const upstream = await createFakeUpstream({ recordRequests: false });
process.stdout.write(`${upstream.url}\n`);
process.on("SIGTERM", () => void upstream.close().then(() => process.exit(0)));
