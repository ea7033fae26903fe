import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

const appDirectory = dirname(fileURLToPath(import.meta.url));

const nextConfig: NextConfig = {
	reactStrictMode: true,
	poweredByHeader: false,
	// Workspace packages ship TypeScript sources.
	transpilePackages: [
		"@proliferate/environment",
		"@proliferate/gateway-clients",
		"@proliferate/logger",
		"@proliferate/queue",
		"@proliferate/services",
		"@proliferate/shared",
	],
	serverExternalPackages: ["pino", "postgres", "nodemailer", "bullmq", "ioredis"],
	turbopack: { root: join(appDirectory, "../..") },
	outputFileTracingRoot: join(appDirectory, "../.."),
	// The production build type-checks the app, not its tests (`pnpm typecheck` covers those).
	typescript: { ignoreBuildErrors: false, tsconfigPath: "tsconfig.build.json" },
};

export default nextConfig;
