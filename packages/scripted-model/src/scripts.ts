import { z } from "zod";

/** A condition on the conversation so far (all given fields must hold). */
export const conditionSchema = z.object({
	/** The last message (user text or tool output) contains this string. */
	lastMessageIncludes: z.string().optional(),
	/** The last message does not contain this string. */
	lastMessageExcludes: z.string().optional(),
	/** Some message since the user's prompt (a tool output earlier in the turn) contains this string. */
	turnIncludes: z.string().optional(),
});

const toolCallSchema = z.object({ name: z.string().min(1), arguments: z.record(z.string(), z.unknown()) });

const turnBodySchema = z.object({
	/** Text streamed as deltas (word by word). */
	text: z.string().optional(),
	/** Tool calls made in this turn (after the text, if any). */
	toolCalls: z.array(toolCallSchema).optional(),
	/** Delay between streamed chunks, to make streaming visible (ms). */
	chunkDelayMs: z.number().int().min(0).max(5000).optional(),
});

export const scriptTurnSchema = turnBodySchema.extend({
	/** Alternatives chosen by condition; the first match wins, else the turn's own body. */
	branches: z.array(turnBodySchema.extend({ when: conditionSchema })).optional(),
});

export const scriptSchema = z.object({
	name: z.string().regex(/^[a-z0-9-]+$/),
	description: z.string(),
	turns: z.array(scriptTurnSchema).min(1),
});

export type Condition = z.infer<typeof conditionSchema>;
export type ScriptTurn = z.infer<typeof scriptTurnSchema>;
export type TurnBody = z.infer<typeof turnBodySchema>;
export type Script = z.infer<typeof scriptSchema>;

/**
 * The default demo: works on the seeded demo app (tooling/demo-repo) — reads it, adds a `shout`
 * helper with a test, runs the tests, starts the dev server for the preview, and summarizes.
 * `{{workspace}}` is replaced by the working directory OpenCode reports in its system prompt.
 */
export const demoScript: Script = {
	name: "demo",
	description: "Reads the demo app, adds a feature with a test, runs the tests, starts the dev server",
	turns: [
		{
			text: "Let me look at the project first.",
			toolCalls: [{ name: "read", arguments: { filePath: "{{workspace}}/README.md" } }],
		},
		{ toolCalls: [{ name: "read", arguments: { filePath: "{{workspace}}/src/greet.js" } }] },
		{
			text: "I'll add a `shout` helper next to `greet`.",
			toolCalls: [
				{
					name: "edit",
					arguments: {
						filePath: "{{workspace}}/src/greet.js",
						oldString: "/** Returns a farewell. */",
						newString:
							"/** Returns the greeting in capitals. */\nexport function shout(name) {\n\treturn greet(name).toUpperCase();\n}\n\n/** Returns a farewell. */",
					},
				},
			],
		},
		{
			toolCalls: [
				{
					name: "edit",
					arguments: {
						filePath: "{{workspace}}/test/greet.test.js",
						oldString: 'import { farewell, greet } from "../src/greet.js";',
						newString:
							'import { farewell, greet, shout } from "../src/greet.js";\n\ntest("shouts", () => {\n\tassert.equal(shout("Ada"), "HELLO, ADA!");\n});',
					},
				},
			],
		},
		{
			text: "Now the tests.",
			toolCalls: [
				{ name: "bash", arguments: { command: "npm test 2>&1", description: "Run the test suite" } },
			],
		},
		{
			toolCalls: [
				{
					name: "bash",
					arguments: {
						command: "(PORT=3000 nohup node src/server.js > server.log 2>&1 &) ; sleep 1; cat server.log",
						description: "Start the dev server for the preview",
					},
				},
			],
		},
		{
			// Honest about the test run two steps back: `node --test` prints "# fail 0" only when all pass.
			branches: [
				{
					when: { lastMessageIncludes: "listening", turnIncludes: "# fail 0" },
					text: "Done. I added `shout(name)` to `src/greet.js` with a test in `test/greet.test.js`; the whole suite passes, and the dev server is running on port 3000 so you can open the preview.",
				},
				{
					when: { turnIncludes: "# fail 0" },
					text: "I added `shout(name)` to `src/greet.js` with a test, and the suite passes. The dev server did not report that it started; check server.log.",
				},
			],
			text: "I added `shout(name)` to `src/greet.js` with a test, but the test run failed (see its output above); the change needs fixing before it is done.",
		},
	],
};

/** Streams a long answer slowly (used to test cancel and reconnect). */
export const slowScript: Script = {
	name: "slow",
	description: "A long, slowly streamed answer",
	turns: [
		{
			text: Array.from({ length: 120 }, (_, index) => `word${index + 1}`).join(" "),
			chunkDelayMs: 100,
		},
	],
};

/** Replies with the prompt's text. */
export const echoScript: Script = {
	name: "echo",
	description: "Replies with the prompt's text",
	turns: [{ text: "You said: {{prompt}}" }],
};

/** Runs the prompt's text as one shell command: `[script:bash] echo hi`. */
export const bashScript: Script = {
	name: "bash",
	description: "Runs the prompt as a shell command and reports its output",
	turns: [
		{ toolCalls: [{ name: "bash", arguments: { command: "{{prompt}}", description: "Run the command" } }] },
		{
			// OpenCode hands the model only the command's output, not its exit code: claim nothing more.
			text: "The command ran; its output is above (its exit code is on the tool call).",
		},
	],
};

const verificationFiles =
	"mkdir -p .proliferate/verification && printf 'tests: 3 passed\\n' > .proliferate/verification/test-report.txt && printf 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==' | base64 -d > .proliferate/verification/screenshot.png && echo ready";

/** Exercises the platform tools of a setup session. */
export const setupToolsScript: Script = {
	name: "tools-setup",
	description: "Calls the setup session's platform tools",
	turns: [
		{
			toolCalls: [
				{
					name: "proliferate_save_env_files",
					arguments: { files: [{ path: "../../etc/passwd", keys: [{ key: "X" }] }] },
				},
			],
		},
		{
			toolCalls: [
				{
					name: "proliferate_save_service_commands",
					arguments: { commands: [{ name: "web", command: "npm start", cwd: "." }] },
				},
			],
		},
		{
			toolCalls: [
				{
					name: "proliferate_save_env_files",
					arguments: { files: [{ path: ".env.local", keys: [{ key: "API_TOKEN", required: true }] }] },
				},
			],
		},
		{ toolCalls: [{ name: "proliferate_save_snapshot", arguments: { message: "dependencies installed" } }] },
		{ text: "Setup recorded." },
	],
};

/** Exercises the platform tools of an automation session. */
export const automationToolsScript: Script = {
	name: "tools-automation",
	description: "Calls the automation session's platform tools",
	turns: [
		{
			toolCalls: [
				{ name: "bash", arguments: { command: verificationFiles, description: "Collect evidence" } },
			],
		},
		{ toolCalls: [{ name: "proliferate_verify", arguments: {} }] },
		{
			toolCalls: [
				{
					name: "proliferate_request_env_variables",
					arguments: { keys: [{ key: "API_TOKEN", description: "To call the API", type: "secret" }] },
				},
			],
		},
		{ toolCalls: [{ name: "proliferate_save_service_commands", arguments: { commands: [] } }] },
		{
			toolCalls: [
				{
					name: "proliferate_automation_complete",
					arguments: {
						run_id: "run-1",
						outcome: "succeeded",
						summary_markdown: "Verified the app; evidence attached.",
						citations: ["test-report.txt"],
					},
				},
			],
		},
		{ text: "Automation finished." },
	],
};

export const builtInScripts: Script[] = [
	demoScript,
	slowScript,
	echoScript,
	bashScript,
	setupToolsScript,
	automationToolsScript,
];
