"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { BoxesIcon, CheckIcon, TriangleAlertIcon } from "lucide-react";
import type * as React from "react";
import { useState } from "react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { RadioGroup, RadioGroupItem } from "@/components/ui/radio-group";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/sonner";
import { errorMessage } from "@/lib/errors";
import { orpc } from "@/lib/orpc";
import { cn } from "@/lib/utils";

type ProviderType = "local" | "e2b" | "modal";
/** What the form picks: the deployment default (no override) or one provider. */
type Choice = "default" | ProviderType;

const providerInfo: Record<ProviderType, { label: string; description: string }> = {
	local: { label: "Local", description: "Isolated bubblewrap sandboxes on the gateway's own host." },
	e2b: { label: "E2B", description: "Cloud sandboxes on E2B, started from the platform's sandbox image." },
	modal: {
		label: "Modal",
		description: "Cloud sandboxes on Modal, started from the platform's sandbox image.",
	},
};

function ProviderOption({
	value,
	label,
	description,
	badges,
	note,
	disabled,
	selected,
}: {
	value: Choice;
	label: string;
	description: string;
	badges: React.ReactNode;
	note?: React.ReactNode;
	disabled: boolean;
	selected: boolean;
}) {
	const id = `sandbox-provider-${value}`;
	return (
		<label
			htmlFor={id}
			data-testid="sandbox-provider-option"
			data-value={value}
			className={cn(
				"flex items-start gap-3 rounded-lg border px-4 py-3 transition-colors",
				selected ? "border-primary/60 bg-accent/60" : "hover:bg-accent/40",
				disabled ? "cursor-not-allowed" : "cursor-pointer",
			)}
		>
			<RadioGroupItem id={id} value={value} disabled={disabled} className="mt-0.5" />
			<div className="grid min-w-0 flex-1 gap-1">
				<div className="flex flex-wrap items-center gap-2">
					<span className={cn("text-sm font-medium", disabled && !selected && "text-muted-foreground")}>
						{label}
					</span>
					{badges}
				</div>
				<p className="text-xs text-muted-foreground">{description}</p>
				{note}
			</div>
		</label>
	);
}

/** The organization's sandbox provider: the deployment default or a configured provider (owners/admins). */
export function SandboxProviderSettings() {
	const queryClient = useQueryClient();
	const me = useQuery(orpc.account.me.queryOptions());
	const settings = useQuery(orpc.sandboxProvider.get.queryOptions());
	// null: nothing picked since the last save, so the saved choice shows.
	const [picked, setPicked] = useState<Choice | null>(null);
	const save = useMutation(
		orpc.sandboxProvider.set.mutationOptions({
			onSuccess: async (result) => {
				queryClient.setQueryData(orpc.sandboxProvider.get.queryKey(), (current) =>
					current
						? {
								...current,
								override: result.override,
								effectiveProvider: result.override ?? current.defaultProvider,
							}
						: current,
				);
				setPicked(null);
				toast.success(
					result.override
						? `New sessions will run on ${providerInfo[result.override].label}`
						: "New sessions will follow the deployment default",
				);
				await queryClient.invalidateQueries({ queryKey: orpc.sandboxProvider.get.key() });
			},
			onError: (error) => toast.error(errorMessage(error)),
		}),
	);

	if (settings.isPending || me.isPending) return <Skeleton className="h-96 w-full rounded-xl" />;
	if (settings.isError || !settings.data) {
		return (
			<Alert variant="destructive" data-testid="sandbox-provider-load-error">
				<TriangleAlertIcon />
				<AlertTitle>Could not load the sandbox providers</AlertTitle>
				<AlertDescription>
					<p>{errorMessage(settings.error)}</p>
					<Button variant="outline" size="sm" onClick={() => void settings.refetch()}>
						Try again
					</Button>
				</AlertDescription>
			</Alert>
		);
	}

	const { override, defaultProvider, effectiveProvider, providers } = settings.data;
	const canManage = me.data?.role === "owner" || me.data?.role === "admin";
	const saved: Choice = override ?? "default";
	const selected: Choice = picked ?? saved;
	const dirty = selected !== saved;
	const byType = new Map(providers.map((provider) => [provider.type, provider]));
	const overrideProvider = override ? byType.get(override) : undefined;
	const defaultLabel = providerInfo[defaultProvider].label;

	return (
		<Card>
			<CardHeader>
				<CardTitle className="flex items-center gap-2">
					<BoxesIcon className="size-5" /> Sandbox provider
				</CardTitle>
				<CardDescription>
					Where this organization&apos;s sessions run their sandboxes. Sessions already running or paused stay
					on the provider they started on; new sessions use this choice.
				</CardDescription>
			</CardHeader>
			<CardContent className="grid gap-4">
				<p
					className="rounded-lg bg-muted px-4 py-3 text-sm text-muted-foreground"
					data-testid="sandbox-provider-summary"
				>
					New sessions run on{" "}
					<span className="font-medium text-foreground" data-testid="sandbox-provider-effective">
						{providerInfo[effectiveProvider].label}
					</span>{" "}
					{override ? "(this organization's choice)" : "(the deployment default)"}
				</p>

				{overrideProvider && !overrideProvider.configured ? (
					<Alert variant="warning" data-testid="sandbox-provider-misconfigured">
						<TriangleAlertIcon />
						<AlertTitle>{providerInfo[overrideProvider.type].label} is no longer configured</AlertTitle>
						<AlertDescription>
							New sessions fail until an operator sets {overrideProvider.requires} on the gateway
							{canManage ? ", or you pick another provider" : ""}.
						</AlertDescription>
					</Alert>
				) : null}

				<RadioGroup
					value={selected}
					onValueChange={(value) => {
						setPicked(value as Choice);
						save.reset();
					}}
					disabled={!canManage || save.isPending}
					aria-label="Sandbox provider"
					className="gap-2"
				>
					<ProviderOption
						value="default"
						label={`Deployment default (${defaultProvider})`}
						description={`Follows the deployment's SANDBOX_PROVIDER (${defaultLabel} today), also when an operator changes it.`}
						badges={null}
						disabled={!canManage}
						selected={selected === "default"}
					/>
					{(["local", "e2b", "modal"] as const).map((type) => {
						const provider = byType.get(type);
						const configured = provider?.configured ?? false;
						return (
							<ProviderOption
								key={type}
								value={type}
								label={providerInfo[type].label}
								description={providerInfo[type].description}
								badges={
									<>
										{type === defaultProvider ? <Badge variant="outline">default</Badge> : null}
										{configured ? (
											<Badge variant="success">configured</Badge>
										) : (
											<Badge variant="secondary">not configured</Badge>
										)}
									</>
								}
								note={
									configured ? null : (
										<p className="text-xs text-muted-foreground" data-testid="sandbox-provider-requires">
											An operator must set {provider?.requires ?? "its settings"} on the gateway.
										</p>
									)
								}
								disabled={!canManage || !configured}
								selected={selected === type}
							/>
						);
					})}
				</RadioGroup>

				{canManage ? (
					<div className="grid gap-3">
						{save.isError ? (
							<Alert variant="destructive" data-testid="sandbox-provider-save-error">
								<TriangleAlertIcon />
								<AlertTitle>Not saved</AlertTitle>
								<AlertDescription>{errorMessage(save.error)}</AlertDescription>
							</Alert>
						) : null}
						<div className="flex flex-wrap items-center justify-end gap-3">
							{save.isSuccess && !dirty ? (
								<span
									className="flex items-center gap-1 text-sm text-success"
									data-testid="sandbox-provider-saved"
								>
									<CheckIcon className="size-4" /> Saved
								</span>
							) : null}
							{dirty ? (
								<Button
									variant="ghost"
									onClick={() => {
										setPicked(null);
										save.reset();
									}}
									disabled={save.isPending}
								>
									Cancel
								</Button>
							) : null}
							<Button
								onClick={() => save.mutate({ provider: selected === "default" ? null : selected })}
								disabled={!dirty || save.isPending}
								data-testid="sandbox-provider-save"
							>
								{save.isPending ? "Saving…" : "Save"}
							</Button>
						</div>
					</div>
				) : (
					<Alert data-testid="sandbox-provider-read-only">
						<AlertTitle>Owners and admins choose the provider</AlertTitle>
						<AlertDescription>Ask an owner or admin of this organization to change it.</AlertDescription>
					</Alert>
				)}
			</CardContent>
		</Card>
	);
}
