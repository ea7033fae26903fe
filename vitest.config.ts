import { defineConfig } from "vitest/config";

const integrationGlobs = ["**/*.integration.test.ts", "**/*.e2e.test.ts"];
const ignored = ["**/node_modules/**", "**/.next/**", "**/dist/**", "**/.proliferate/**"];

export default defineConfig({
	test: {
		projects: [
			{
				test: {
					name: "unit",
					sequence: { groupOrder: 0 },
					include: ["{apps,packages,tooling,scripts}/**/*.test.ts"],
					exclude: [...ignored, ...integrationGlobs],
				},
			},
			{
				test: {
					name: "integration",
					sequence: { groupOrder: 1 },
					include: ["{apps,packages,tooling,scripts}/**/*.integration.test.ts"],
					exclude: ignored,
					globalSetup: ["./tooling/vitest/src/global-setup.ts"],
					testTimeout: 60_000,
					hookTimeout: 120_000,
					pool: "forks",
					maxWorkers: 2,
				},
			},
			{
				test: {
					name: "e2e",
					sequence: { groupOrder: 2 },
					include: ["{apps,packages,tooling}/**/*.e2e.test.ts"],
					exclude: ignored,
					globalSetup: ["./tooling/vitest/src/global-setup.ts"],
					testTimeout: 180_000,
					hookTimeout: 300_000,
					pool: "forks",
					maxWorkers: 1,
					fileParallelism: false,
				},
			},
		],
	},
});
