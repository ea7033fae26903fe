"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CheckIcon, CopyIcon, KeyRoundIcon, PlusIcon } from "lucide-react";
import { useState } from "react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import {
	Dialog,
	DialogContent,
	DialogDescription,
	DialogFooter,
	DialogHeader,
	DialogTitle,
	DialogTrigger,
} from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/sonner";
import { errorMessage } from "@/lib/errors";
import { orpc } from "@/lib/orpc";

const when = (iso: string | null) =>
	iso
		? new Date(iso).toLocaleString("en-GB", {
				day: "numeric",
				month: "short",
				hour: "2-digit",
				minute: "2-digit",
			})
		: "never";

function CreateKeyDialog() {
	const [open, setOpen] = useState(false);
	const [name, setName] = useState("");
	const [secret, setSecret] = useState<string | null>(null);
	const [copied, setCopied] = useState(false);
	const queryClient = useQueryClient();
	const create = useMutation(
		orpc.apiKeys.create.mutationOptions({
			onSuccess: async (created) => {
				setSecret(created.secret);
				await queryClient.invalidateQueries({ queryKey: orpc.apiKeys.list.key() });
			},
			onError: (error) => toast.error(errorMessage(error)),
		}),
	);
	return (
		<Dialog
			open={open}
			onOpenChange={(next) => {
				setOpen(next);
				if (!next) {
					setSecret(null);
					setName("");
					setCopied(false);
				}
			}}
		>
			<DialogTrigger asChild>
				<Button>
					<PlusIcon /> New key
				</Button>
			</DialogTrigger>
			<DialogContent>
				{secret ? (
					<div className="grid gap-4">
						<DialogHeader>
							<DialogTitle>Copy your key now</DialogTitle>
							<DialogDescription>This is the only time it is shown. Only a hash is stored.</DialogDescription>
						</DialogHeader>
						<div className="flex min-w-0 gap-2">
							<Input readOnly value={secret} className="font-mono text-xs" data-testid="api-key-secret" />
							<Button
								variant="outline"
								size="icon"
								aria-label="Copy"
								onClick={async () => {
									await navigator.clipboard.writeText(secret);
									setCopied(true);
								}}
							>
								{copied ? <CheckIcon /> : <CopyIcon />}
							</Button>
						</div>
						<p className="text-xs text-muted-foreground">
							Send it as{" "}
							<code className="rounded bg-muted px-1">Authorization: Bearer {secret.slice(0, 11)}…</code>
						</p>
						<DialogFooter>
							<Button onClick={() => setOpen(false)}>Done</Button>
						</DialogFooter>
					</div>
				) : (
					<form
						className="grid gap-4"
						onSubmit={(event) => {
							event.preventDefault();
							create.mutate({ name });
						}}
					>
						<DialogHeader>
							<DialogTitle>New API key</DialogTitle>
							<DialogDescription>The key acts as you, with your role in this organization.</DialogDescription>
						</DialogHeader>
						<div className="grid gap-2">
							<Label htmlFor="key-name">Name</Label>
							<Input
								id="key-name"
								value={name}
								onChange={(event) => setName(event.target.value)}
								placeholder="CI pipeline"
								maxLength={64}
								required
							/>
						</div>
						<DialogFooter>
							<Button type="submit" disabled={create.isPending}>
								Create key
							</Button>
						</DialogFooter>
					</form>
				)}
			</DialogContent>
		</Dialog>
	);
}

export function ApiKeysSettings() {
	const queryClient = useQueryClient();
	const me = useQuery(orpc.account.me.queryOptions());
	const keys = useQuery(orpc.apiKeys.list.queryOptions());
	const revoke = useMutation(
		orpc.apiKeys.revoke.mutationOptions({ onError: (error) => toast.error(errorMessage(error)) }),
	);
	if (keys.isPending || me.isPending) return <Skeleton className="h-64 w-full rounded-xl" />;
	const canManage = me.data?.role === "owner" || me.data?.role === "admin";
	return (
		<div className="grid gap-4">
			{canManage ? (
				<div className="flex justify-end">
					<CreateKeyDialog />
				</div>
			) : (
				<Alert>
					<AlertTitle>Admins manage API keys</AlertTitle>
					<AlertDescription>Ask an owner or admin of this organization for a key.</AlertDescription>
				</Alert>
			)}
			{keys.data?.length === 0 ? (
				<Card>
					<CardContent className="flex flex-col items-center gap-2 py-12 text-center">
						<KeyRoundIcon className="size-8 text-muted-foreground" />
						<p className="font-medium">No API keys yet</p>
						<p className="max-w-sm text-sm text-muted-foreground">
							Create a key to call the API from scripts and CI, or to get gateway tokens for the CLI.
						</p>
					</CardContent>
				</Card>
			) : (
				<div className="grid gap-2">
					{keys.data?.map((key) => (
						<div
							key={key.id}
							data-testid="api-key-row"
							className="flex flex-wrap items-center gap-3 rounded-lg border bg-card px-4 py-3"
						>
							<KeyRoundIcon className="size-4 text-muted-foreground" />
							<div className="min-w-48 flex-1">
								<div className="truncate text-sm font-medium">{key.name}</div>
								<div className="truncate text-xs text-muted-foreground">
									<code>{key.prefix}…</code> · created {when(key.createdAt)} · last used{" "}
									{when(key.lastUsedAt)}
								</div>
							</div>
							{key.revokedAt ? (
								<Badge variant="secondary">revoked</Badge>
							) : canManage ? (
								<ConfirmDialog
									trigger={
										<Button variant="outline" size="sm" className="text-destructive">
											Revoke
										</Button>
									}
									title={`Revoke “${key.name}”?`}
									description="Anything using this key stops working at once. This cannot be undone."
									confirmLabel="Revoke key"
									destructive
									onConfirm={async () => {
										await revoke.mutateAsync({ apiKeyId: key.id });
										toast.success("Key revoked");
										await queryClient.invalidateQueries({ queryKey: orpc.apiKeys.list.key() });
									}}
								/>
							) : (
								<Badge variant="success">active</Badge>
							)}
						</div>
					))}
				</div>
			)}
		</div>
	);
}
