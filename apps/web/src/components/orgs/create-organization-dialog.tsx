"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import type * as React from "react";
import { useState } from "react";
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
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { toast } from "@/components/ui/sonner";
import { errorMessage } from "@/lib/errors";
import { orpc } from "@/lib/orpc";

export function CreateOrganizationDialog({
	trigger,
	onCreated,
}: {
	trigger: React.ReactNode;
	onCreated?: () => void;
}) {
	const [open, setOpen] = useState(false);
	const [name, setName] = useState("");
	const router = useRouter();
	const queryClient = useQueryClient();
	const create = useMutation(
		orpc.orgs.create.mutationOptions({
			onSuccess: async (organization) => {
				await queryClient.invalidateQueries();
				toast.success(`Created ${organization.name}`);
				setOpen(false);
				setName("");
				onCreated?.();
				router.refresh();
			},
			onError: (error) => toast.error(errorMessage(error)),
		}),
	);
	return (
		<Dialog open={open} onOpenChange={setOpen}>
			<DialogTrigger asChild>{trigger}</DialogTrigger>
			<DialogContent>
				<form
					className="grid gap-4"
					onSubmit={(event) => {
						event.preventDefault();
						create.mutate({ name });
					}}
				>
					<DialogHeader>
						<DialogTitle>New organization</DialogTitle>
						<DialogDescription>Organizations share repositories, sessions and API keys.</DialogDescription>
					</DialogHeader>
					<div className="grid gap-2">
						<Label htmlFor="organization-name">Name</Label>
						<Input
							id="organization-name"
							value={name}
							onChange={(event) => setName(event.target.value)}
							placeholder="Acme"
							minLength={2}
							maxLength={64}
							required
							autoFocus
						/>
					</div>
					<DialogFooter>
						<Button type="submit" disabled={create.isPending}>
							Create organization
						</Button>
					</DialogFooter>
				</form>
			</DialogContent>
		</Dialog>
	);
}
