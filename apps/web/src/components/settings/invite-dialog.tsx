"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { UserPlusIcon } from "lucide-react";
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
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { toast } from "@/components/ui/sonner";
import { errorMessage } from "@/lib/errors";
import { orpc } from "@/lib/orpc";

type Role = "owner" | "admin" | "member";

export function InviteDialog({ canInviteOwners }: { canInviteOwners: boolean }) {
	const [open, setOpen] = useState(false);
	const [email, setEmail] = useState("");
	const [role, setRole] = useState<Role>("member");
	const queryClient = useQueryClient();
	const invite = useMutation(
		orpc.orgs.invite.mutationOptions({
			onSuccess: async (invitation) => {
				toast.success(`Invitation sent to ${invitation.email}`);
				setOpen(false);
				setEmail("");
				await queryClient.invalidateQueries({ queryKey: orpc.orgs.get.key() });
			},
			onError: (error) => toast.error(errorMessage(error)),
		}),
	);
	return (
		<Dialog open={open} onOpenChange={setOpen}>
			<DialogTrigger asChild>
				<Button>
					<UserPlusIcon /> Invite
				</Button>
			</DialogTrigger>
			<DialogContent>
				<form
					className="grid gap-4"
					onSubmit={(event) => {
						event.preventDefault();
						invite.mutate({ email, role });
					}}
				>
					<DialogHeader>
						<DialogTitle>Invite a teammate</DialogTitle>
						<DialogDescription>
							They get an email with a link to accept. Invitations expire after 7 days.
						</DialogDescription>
					</DialogHeader>
					<div className="grid gap-2">
						<Label htmlFor="invite-email">Email</Label>
						<Input
							id="invite-email"
							type="email"
							required
							value={email}
							onChange={(event) => setEmail(event.target.value)}
							placeholder="teammate@company.com"
						/>
					</div>
					<div className="grid gap-2">
						<Label>Role</Label>
						<Select value={role} onValueChange={(value) => setRole(value as Role)}>
							<SelectTrigger className="w-full">
								<SelectValue />
							</SelectTrigger>
							<SelectContent>
								<SelectItem value="member">Member — uses repositories and sessions</SelectItem>
								<SelectItem value="admin">Admin — also manages members and API keys</SelectItem>
								{canInviteOwners ? <SelectItem value="owner">Owner — full control</SelectItem> : null}
							</SelectContent>
						</Select>
					</div>
					<DialogFooter>
						<Button type="submit" disabled={invite.isPending}>
							Send invitation
						</Button>
					</DialogFooter>
				</form>
			</DialogContent>
		</Dialog>
	);
}
