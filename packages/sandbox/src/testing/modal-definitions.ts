import { createHash } from "node:crypto";
import {
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	realpathSync,
	renameSync,
	rmSync,
	symlinkSync,
	writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Modal's protobuf service definitions (ts-proto codecs) are compiled into the SDK's bundle and not
 * exported. To serve the exact wire format in tests, load a copy of the bundle with the two service
 * definitions (and nice-grpc's server) exported. The copy lives in a temp `node_modules` whose
 * entries link to the SDK's own dependencies, so it resolves the same versions.
 */
export interface ModalDefinitions {
	// biome-ignore lint/suspicious/noExplicitAny: ts-proto definitions from an untyped bundle copy
	ModalClientDefinition: any;
	// biome-ignore lint/suspicious/noExplicitAny: ts-proto definitions from an untyped bundle copy
	TaskCommandRouterDefinition: any;
	// biome-ignore lint/suspicious/noExplicitAny: nice-grpc's createServer from the SDK's dependency tree
	createServer: () => any;
	ServerError: new (code: number, details: string) => Error;
}

let loaded: Promise<ModalDefinitions> | undefined;

export function loadModalDefinitions(): Promise<ModalDefinitions> {
	loaded ??= (async () => {
		const require = createRequire(import.meta.url);
		const sdkDist = realpathSync(dirname(require.resolve("modal")));
		const dependencies = join(sdkDist, "..", "..");
		const source = readFileSync(join(sdkDist, "index.js"), "utf8");
		// One copy per SDK build and checkout, shared by test processes (built aside, renamed into place).
		const digest = createHash("sha256").update(dependencies).update(source).digest("hex").slice(0, 16);
		const root = join(tmpdir(), `proliferate-modal-definitions-${digest}`);
		const target = join(root, "node_modules", "modal-definitions");
		if (!existsSync(join(target, "index.js"))) {
			const building = mkdtempSync(join(tmpdir(), "proliferate-modal-definitions-building-"));
			const modules = join(building, "node_modules");
			mkdirSync(join(modules, "modal-definitions"), { recursive: true });
			for (const entry of readdirSync(dependencies)) {
				if (entry === "modal" || entry.startsWith(".")) continue;
				symlinkSync(join(dependencies, entry), join(modules, entry));
			}
			writeFileSync(
				join(modules, "modal-definitions", "package.json"),
				JSON.stringify({ name: "modal-definitions", type: "module" }),
			);
			writeFileSync(
				join(modules, "modal-definitions", "index.js"),
				`${source}
export { ModalClientDefinition as __ModalClientDefinition, TaskCommandRouterDefinition as __TaskCommandRouterDefinition };
export { createServer as __createServer, ServerError as __ServerError } from "nice-grpc";
`,
			);
			try {
				renameSync(building, root);
			} catch {
				// Another process put its copy in place first.
				rmSync(building, { recursive: true, force: true });
			}
		}
		const module = await import(pathToFileURL(join(target, "index.js")).href);
		return {
			ModalClientDefinition: module.__ModalClientDefinition,
			TaskCommandRouterDefinition: module.__TaskCommandRouterDefinition,
			createServer: module.__createServer,
			ServerError: module.__ServerError,
		};
	})();
	return loaded;
}
