"use client";

import type { SessionStream } from "@proliferate/gateway-clients";
import { KeyRound, Loader2 } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import type { TranscriptState } from "@/lib/gateway/transcript";
import { client } from "@/lib/orpc";

type EnvRequest = TranscriptState["envRequests"][number];

type SaveAs = "none" | "organization" | "repository";

function toSaveAs(value: string): SaveAs {
	return value === "organization" || value === "repository" ? value : "none";
}

function EnvRequestForm({
	request,
	stream,
	repoId,
	onSubmitted,
}: {
	request: EnvRequest;
	stream: SessionStream | null;
	repoId: string | null;
	onSubmitted: () => void;
}) {
	const [values, setValues] = useState<Record<string, string>>({});
	const [saveAs, setSaveAs] = useState<SaveAs>("none");
	const [pending, setPending] = useState(false);
	const [error, setError] = useState<string | null>(null);
	const missing = request.keys.filter((key) => key.required !== false && !values[key.key]?.trim());

	async function submit() {
		if (!stream) return;
		setPending(true);
		setError(null);
		try {
			const filled = Object.fromEntries(Object.entries(values).filter(([, value]) => value.trim()));
			await stream.request({ type: "env.submit", requestIdOfAgent: request.requestId, values: filled });
			// Also stored as secrets for the next sessions (owners and admins; a member is told no).
			if (saveAs !== "none" && Object.keys(filled).length > 0) {
				await client.secrets.saveMany({
					scope:
						saveAs === "repository" && repoId ? { kind: "repository", repoId } : { kind: "organization" },
					values: filled,
				});
			}
			onSubmitted();
		} catch (submitError) {
			setError(submitError instanceof Error ? submitError.message : "Could not save the values");
		} finally {
			setPending(false);
		}
	}

	return (
		<form
			data-testid="env-request"
			className="space-y-2 rounded-md border border-border bg-card p-3 text-sm"
			onSubmit={(event) => {
				event.preventDefault();
				void submit();
			}}
		>
			<div className="flex items-center gap-2 font-medium">
				<KeyRound className="size-4" /> The agent needs{" "}
				{request.keys.length === 1 ? "a value" : "some values"}
			</div>
			{request.keys.map((key) => (
				<div key={key.key} className="space-y-1">
					<label htmlFor={`env-${request.requestId}-${key.key}`} className="block font-mono text-xs">
						{key.key}
						{key.required === false ? <span className="text-muted-foreground"> (optional)</span> : null}
					</label>
					{key.description ? (
						<span className="block text-muted-foreground text-xs">{key.description}</span>
					) : null}
					<Input
						id={`env-${request.requestId}-${key.key}`}
						type={key.type === "secret" ? "password" : "text"}
						autoComplete="off"
						value={values[key.key] ?? ""}
						onChange={(event) => setValues((current) => ({ ...current, [key.key]: event.target.value }))}
						className="h-8 text-xs"
					/>
				</div>
			))}
			<label className="flex items-center gap-2 text-muted-foreground text-xs">
				Also save as
				<select
					data-testid="env-request-save-as"
					className="rounded border border-input bg-background px-1 py-0.5 text-xs"
					value={saveAs}
					onChange={(event) => setSaveAs(toSaveAs(event.target.value))}
				>
					<option value="none">nothing (this sandbox only)</option>
					<option value="organization">organization secret</option>
					{repoId ? <option value="repository">repository secret</option> : null}
				</select>
			</label>
			{error ? <div className="text-destructive text-xs">{error}</div> : null}
			<Button type="submit" size="sm" disabled={pending || missing.length > 0 || !stream}>
				{pending ? <Loader2 className="size-3.5 animate-spin" /> : null} Save to the sandbox
			</Button>
		</form>
	);
}

/** Environment values the agent asked for (secrets go only to the sandbox, never into the chat). */
export function EnvRequests({
	requests,
	stream,
	repoId = null,
	onSubmitted,
}: {
	requests: EnvRequest[];
	stream: SessionStream | null;
	repoId?: string | null;
	onSubmitted: (requestId: string) => void;
}) {
	const open = requests.filter((request) => !request.submitted);
	if (open.length === 0) return null;
	return (
		<div className="space-y-2 border-border border-b p-3">
			{open.map((request) => (
				<EnvRequestForm
					key={request.requestId}
					request={request}
					stream={stream}
					repoId={repoId}
					onSubmitted={() => onSubmitted(request.requestId)}
				/>
			))}
		</div>
	);
}
