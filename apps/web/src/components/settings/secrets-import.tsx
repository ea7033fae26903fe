"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { UploadIcon } from "lucide-react";
import { useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import {
	Dialog,
	DialogContent,
	DialogDescription,
	DialogFooter,
	DialogHeader,
	DialogTitle,
	DialogTrigger,
} from "@/components/ui/dialog";
import { toast } from "@/components/ui/sonner";
import { errorMessage } from "@/lib/errors";
import { orpc } from "@/lib/orpc";

type Scope = { kind: "organization" } | { kind: "repository"; repoId: string };
type Status = "new" | "changed" | "unchanged";

const statusVariant: Record<Status, "success" | "warning" | "secondary"> = {
	new: "success",
	changed: "warning",
	unchanged: "secondary",
};

/** Paste or upload a .env file, see per key what it would do (compared on the server), choose, apply. */
export function SecretsImportDialog({ scope }: { scope: Scope }) {
	const queryClient = useQueryClient();
	const [open, setOpen] = useState(false);
	const [content, setContent] = useState("");
	const [preview, setPreview] = useState<{ key: string; status: Status }[] | null>(null);
	const [choices, setChoices] = useState<Record<string, "overwrite" | "keep">>({});
	const previewImport = useMutation(
		orpc.secrets.previewImport.mutationOptions({
			onSuccess: (result) => {
				setPreview(result.entries);
				setChoices({});
			},
			onError: (error) => toast.error(errorMessage(error)),
		}),
	);
	const applyImport = useMutation(
		orpc.secrets.applyImport.mutationOptions({
			onSuccess: async (result) => {
				toast.success(
					`Imported: ${result.created.length} new, ${result.overwritten.length} overwritten, ${result.kept.length} kept, ${result.unchanged.length} unchanged`,
				);
				await queryClient.invalidateQueries({ queryKey: orpc.secrets.list.key() });
				setOpen(false);
				setContent("");
				setPreview(null);
			},
			onError: (error) => toast.error(errorMessage(error)),
		}),
	);

	return (
		<Dialog open={open} onOpenChange={setOpen}>
			<DialogTrigger asChild>
				<Button variant="outline" size="sm" data-testid="secrets-import-open">
					<UploadIcon className="size-4" /> Import .env
				</Button>
			</DialogTrigger>
			<DialogContent className="max-w-2xl">
				<DialogHeader>
					<DialogTitle>Import a .env file</DialogTitle>
					<DialogDescription>
						Paste or upload it. You see which keys are new, changed or unchanged before anything is saved.
					</DialogDescription>
				</DialogHeader>
				{preview === null ? (
					<div className="space-y-2">
						<textarea
							data-testid="secrets-import-content"
							className="h-48 w-full rounded-md border border-input bg-background p-2 font-mono text-xs"
							placeholder={'# .env\nAPI_KEY=...\nexport DATABASE_URL="postgres://..."'}
							value={content}
							onChange={(event) => setContent(event.target.value)}
						/>
						<input
							type="file"
							accept=".env,text/plain"
							className="text-xs"
							onChange={async (event) => {
								const file = event.target.files?.[0];
								if (file) setContent(await file.text());
							}}
						/>
					</div>
				) : (
					<div className="max-h-80 overflow-y-auto rounded-md border" data-testid="secrets-import-preview">
						<table className="w-full text-sm">
							<tbody>
								{preview.map((entry) => (
									<tr key={entry.key} className="border-b last:border-0">
										<td className="px-3 py-1.5 font-mono text-xs">{entry.key}</td>
										<td className="px-3 py-1.5">
											<Badge variant={statusVariant[entry.status]}>{entry.status}</Badge>
										</td>
										<td className="px-3 py-1.5 text-right">
											{entry.status === "changed" ? (
												<select
													aria-label={`What to do with ${entry.key}`}
													className="rounded border bg-background px-1 text-xs"
													value={choices[entry.key] ?? "overwrite"}
													onChange={(event) =>
														setChoices((current) => ({
															...current,
															[entry.key]: event.target.value === "keep" ? "keep" : "overwrite",
														}))
													}
												>
													<option value="overwrite">Overwrite</option>
													<option value="keep">Keep current</option>
												</select>
											) : null}
										</td>
									</tr>
								))}
							</tbody>
						</table>
					</div>
				)}
				<DialogFooter>
					{preview === null ? (
						<Button
							data-testid="secrets-import-preview-button"
							disabled={!content.trim() || previewImport.isPending}
							onClick={() => previewImport.mutate({ scope, content })}
						>
							Preview
						</Button>
					) : (
						<>
							<Button variant="outline" onClick={() => setPreview(null)}>
								Back
							</Button>
							<Button
								data-testid="secrets-import-apply"
								disabled={applyImport.isPending}
								onClick={() => applyImport.mutate({ scope, content, choices })}
							>
								Apply
							</Button>
						</>
					)}
				</DialogFooter>
			</DialogContent>
		</Dialog>
	);
}
