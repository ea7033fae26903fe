import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScriptedModelServer, type ScriptedModelServer } from "./index";

let model: ScriptedModelServer;
const tools = [{ type: "function", function: { name: "bash", parameters: {} } }];
const system = {
	role: "system",
	content: "You are OpenCode.\n<env>\nWorking directory: /home/user/workspace\n</env>",
};

beforeAll(async () => {
	model = await createScriptedModelServer({});
});
afterAll(() => model.close());

interface Completion {
	choices: { message: { content: string | null }; finish_reason: string }[];
}
const completion = async (response: Response) => (await response.json()) as Completion;

async function complete(body: Record<string, unknown>) {
	return fetch(`${model.url}/chat/completions`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify(body),
	});
}

function parseStream(text: string) {
	const chunks = text
		.split("\n\n")
		.filter((block) => block.startsWith("data: ") && block !== "data: [DONE]")
		.map((block) => JSON.parse(block.slice(6)));
	const content = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? "").join("");
	const toolArguments: Record<number, { name?: string; arguments: string }> = {};
	for (const chunk of chunks) {
		for (const call of chunk.choices[0]?.delta?.tool_calls ?? []) {
			toolArguments[call.index] ??= { arguments: "" };
			const entry = toolArguments[call.index];
			if (entry && call.function?.name) entry.name = call.function.name;
			if (entry) entry.arguments += call.function?.arguments ?? "";
		}
	}
	return {
		chunks,
		content,
		toolCalls: Object.values(toolArguments),
		done: text.trimEnd().endsWith("data: [DONE]"),
	};
}

describe("scripted model", () => {
	it("streams the demo script's first turn: text then a read tool call on the workspace path", async () => {
		const response = await complete({
			model: "demo",
			stream: true,
			stream_options: { include_usage: true },
			tools,
			messages: [system, { role: "user", content: "Improve the demo app" }],
		});
		expect(response.headers.get("content-type")).toBe("text/event-stream");
		const parsed = parseStream(await response.text());
		expect(parsed.content).toBe("Let me look at the project first.");
		expect(parsed.toolCalls).toEqual([
			{ name: "read", arguments: JSON.stringify({ filePath: "/home/user/workspace/README.md" }) },
		]);
		expect(parsed.chunks.at(-1).usage.total_tokens).toBeGreaterThan(0);
		expect(parsed.done).toBe(true);
	});

	it("advances by the assistant turns since the last prompt and branches on the last message", async () => {
		const history = [system, { role: "user", content: "go" }];
		for (let step = 0; step < 6; step++) {
			history.push({ role: "assistant", content: "" }, { role: "tool", content: "ok" });
		}
		// Step 5 ran the tests, step 6 started the server.
		history[history.length - 3] = { role: "tool", content: "# tests 3\n# pass 3\n# fail 0\n" };
		history[history.length - 1] = { role: "tool", content: "demo app listening on http://localhost:3000" };
		const body = await completion(await complete({ model: "demo", tools, messages: history }));
		expect(body.choices[0]?.message.content).toMatch(/^Done\./);
		expect(body.choices[0]?.finish_reason).toBe("stop");
	});

	it("reports a failed test run honestly instead of claiming the suite passes", async () => {
		const history = [system, { role: "user", content: "go" }];
		for (let step = 0; step < 6; step++) {
			history.push({ role: "assistant", content: "" }, { role: "tool", content: "ok" });
		}
		history[history.length - 3] = {
			role: "tool",
			content: "not ok 1 - shouts\n# tests 3\n# pass 2\n# fail 1\nnpm error Test failed.",
		};
		history[history.length - 1] = { role: "tool", content: "demo app listening on http://localhost:3000" };
		const body = await completion(await complete({ model: "demo", tools, messages: history }));
		const text = body.choices[0]?.message.content ?? "";
		expect(text).toMatch(/the test run failed/);
		expect(text).not.toMatch(/passes/);
	});

	it("runs a prompt as a bash command and claims nothing about its outcome", async () => {
		const first = parseStream(
			await (
				await complete({
					model: "demo",
					stream: true,
					tools,
					messages: [system, { role: "user", content: "[script:bash] exit 3" }],
				})
			).text(),
		);
		expect(first.toolCalls).toEqual([
			{ name: "bash", arguments: JSON.stringify({ command: "exit 3", description: "Run the command" }) },
		]);
		const second = await completion(
			await complete({
				model: "demo",
				tools,
				messages: [
					system,
					{ role: "user", content: "[script:bash] exit 3" },
					{ role: "assistant", content: "" },
					{ role: "tool", content: "" },
				],
			}),
		);
		expect(second.choices[0]?.message.content).toBe(
			"The command ran; its output is above (its exit code is on the tool call).",
		);
	});

	it("selects scripts by marker, answers tool-less helper calls, and echoes follow-up prompts", async () => {
		const slow = await completion(
			await complete({
				model: "demo",
				tools,
				messages: [{ role: "user", content: "[script:echo] hello there" }],
			}),
		);
		expect(slow.choices[0]?.message.content).toBe("You said: hello there");
		const title = await completion(
			await complete({ model: "demo", messages: [{ role: "user", content: "Name this chat" }] }),
		);
		expect(title.choices[0]?.message.content).toBe("Name this chat");
		const followUp = await completion(
			await complete({
				model: "demo",
				tools,
				messages: [
					{ role: "user", content: "first" },
					{ role: "assistant", content: "done" },
					{ role: "user", content: "thanks!" },
				],
			}),
		);
		expect(followUp.choices[0]?.message.content).toBe("You said: thanks!");
	});

	it("rejects malformed requests with OpenAI-style errors", async () => {
		const bad = await fetch(`${model.url}/chat/completions`, { method: "POST", body: "{not json" });
		expect(bad.status).toBe(400);
		expect(((await bad.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
		const empty = await complete({ model: "demo", messages: [] });
		expect(empty.status).toBe(400);
		const models = (await (await fetch(`${model.url}/models`)).json()) as { data: { id: string }[] };
		expect(models.data.map((entry) => entry.id)).toContain("demo");
	});
});
