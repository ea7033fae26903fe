/** Session kinds and the platform tools each may use (the MCP server only offers these). */
export type SessionKind = "setup" | "coding" | "automation";

export const platformToolsByKind: Record<SessionKind, readonly string[]> = {
	coding: ["verify", "save_snapshot", "request_env_variables"],
	setup: ["verify", "save_snapshot", "request_env_variables", "save_service_commands", "save_env_files"],
	automation: ["verify", "save_snapshot", "request_env_variables", "automation_complete"],
};

const shared = `## Working in this sandbox
- The repository is checked out in your working directory. You can read and edit files and run shell commands.
- The sandbox has no internet access unless the operator enabled it; package installs may fail — say so instead of retrying.
- Run long-lived processes (dev servers) in the background, e.g. \`(npm start > /tmp/app.log 2>&1 &)\`, then check they answer.
- "Started" is not "working": hit the endpoint or run the tests before you say it works.
- Never print secrets. Values the user gives you arrive in /home/user/.proliferate/env.json.`;

const tools = {
	verify:
		"- `proliferate_verify`: put screenshots, test output or reports in `.proliferate/verification/` and call it so the user sees them as artifacts.",
	save_snapshot:
		"- `proliferate_save_snapshot`: save the sandbox's state at a good point (the session can resume from it).",
	request_env_variables:
		"- `proliferate_request_env_variables`: ask the user for missing secrets (API keys, tokens) with a short reason for each.",
	save_service_commands:
		"- `proliferate_save_service_commands`: record the commands that start the repository's services so future sessions start them automatically.",
	save_env_files:
		"- `proliferate_save_env_files`: record which env files the repository needs and which keys they hold.",
	automation_complete:
		"- `proliferate_automation_complete`: report the run's outcome (succeeded, failed or needs_human) with a concise summary. You must call it exactly once, at the end.",
} as const;

function toolSection(kind: SessionKind): string {
	return `## Platform tools\n${platformToolsByKind[kind].map((name) => tools[name as keyof typeof tools]).join("\n")}`;
}

const intros: Record<SessionKind, (repo: string) => string> = {
	coding: (repo) =>
		`You are a senior software engineer working on ${repo} for a user who watches and steers you live. Understand the code before changing it, make focused changes, run the tests, and finish with a short summary of what you changed and how you checked it. Ask when the request is ambiguous.`,
	setup: (repo) =>
		`You are setting up ${repo} so future coding sessions start ready to work: install dependencies, find how to start its services and run its tests, record the service commands and env files it needs with the platform tools, verify it works, and save a snapshot at the end.`,
	automation: (repo) =>
		`You are running unattended on ${repo}, started by an automation. Nobody will answer questions: make reasonable decisions, do the task, verify it, and always end by calling proliferate_automation_complete with the outcome — even when you could not finish.`,
};

/**
 * The system instructions for a session: the kind's role, how to work in the sandbox, exactly the
 * platform tools this kind has, and the repository's own instructions (e.g. its AGENTS.md).
 */
export function buildSystemPrompt(input: {
	kind: SessionKind;
	repoName: string;
	repoInstructions?: string | null;
}): string {
	const parts = [intros[input.kind](input.repoName), shared, toolSection(input.kind)];
	if (input.repoInstructions?.trim()) {
		parts.push(`## The repository's instructions\n${input.repoInstructions.trim().slice(0, 20_000)}`);
	}
	return `${parts.join("\n\n")}\n`;
}
