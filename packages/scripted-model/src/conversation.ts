import type { Condition, Script, ScriptTurn, TurnBody } from "./scripts";

/** The parts of an OpenAI Chat Completions request the scripted model reads. */
export interface ChatMessage {
	role: string;
	content?: unknown;
	tool_calls?: unknown[];
}

export function messageText(message: ChatMessage | undefined): string {
	if (!message) return "";
	const { content } = message;
	if (typeof content === "string") return content;
	if (Array.isArray(content)) {
		return content
			.map((part) =>
				part && typeof part === "object" && "text" in part ? String((part as { text: unknown }).text) : "",
			)
			.join("");
	}
	return "";
}

const markerPattern = /\[script:([a-z0-9-]+)\]/;

export interface ReplyPlan {
	scriptName: string;
	body: TurnBody;
	finished: boolean;
}

function matches(condition: Condition, text: string, turnText: string): boolean {
	if (condition.turnIncludes !== undefined && !turnText.includes(condition.turnIncludes)) return false;
	if (condition.lastMessageIncludes !== undefined && !text.includes(condition.lastMessageIncludes))
		return false;
	if (condition.lastMessageExcludes !== undefined && text.includes(condition.lastMessageExcludes))
		return false;
	return true;
}

function resolveTurn(turn: ScriptTurn, lastText: string, turnText: string): TurnBody {
	for (const branch of turn.branches ?? []) {
		if (matches(branch.when, lastText, turnText)) return branch;
	}
	return turn;
}

/**
 * Decides the next reply. Stateless: the step is the number of assistant messages after the last
 * user message, so every prompt runs its script from the start and any number of conversations can
 * run at once. The script is named by `[script:name]` in the prompt, else by the model
 * (`scripted/<name>` or `<name>`), else `demo` for a conversation's first prompt and `echo` after.
 */
export function planReply(messages: ChatMessage[], model: string, scripts: Map<string, Script>): ReplyPlan {
	let lastUser = -1;
	let userCount = 0;
	messages.forEach((message, index) => {
		if (message.role === "user") {
			lastUser = index;
			userCount++;
		}
	});
	const prompt = messageText(messages[lastUser]);
	const step = messages.slice(lastUser + 1).filter((message) => message.role === "assistant").length;
	const marker = prompt.match(markerPattern)?.[1];
	const fromModel = model.replace(/^scripted\//, "");
	const scriptName =
		marker && scripts.has(marker)
			? marker
			: scripts.has(fromModel) && fromModel !== "demo"
				? fromModel
				: userCount > 1
					? "echo"
					: "demo";
	const script = scripts.get(scriptName) ?? scripts.get("echo");
	const turn = script?.turns[step];
	if (!turn) return { scriptName, body: { text: "That's the end of this script." }, finished: true };
	const lastText = messageText(messages[messages.length - 1]);
	const turnText = messages
		.slice(lastUser + 1)
		.map(messageText)
		.join("\n");
	return {
		scriptName,
		body: resolveTurn(turn, lastText, turnText),
		finished: step + 1 >= (script?.turns.length ?? 0),
	};
}

/** Fills `{{workspace}}` (from OpenCode's system prompt) and `{{prompt}}` in text and tool arguments. */
export function fillPlaceholders<T>(value: T, messages: ChatMessage[]): T {
	const system = messages
		.filter((message) => message.role === "system")
		.map(messageText)
		.join("\n");
	const workspace = system.match(/Working directory:\s*(\S+)/i)?.[1] ?? "/home/user/workspace";
	const lastUser = [...messages].reverse().find((message) => message.role === "user");
	const prompt = messageText(lastUser).replace(markerPattern, "").trim();
	const replace = (text: string) =>
		text.replaceAll("{{workspace}}", workspace).replaceAll("{{prompt}}", prompt);
	return JSON.parse(JSON.stringify(value), (_key, item) =>
		typeof item === "string" ? replace(item) : item,
	) as T;
}
