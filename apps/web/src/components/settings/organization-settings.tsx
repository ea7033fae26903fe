"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { LogOutIcon, Trash2Icon } from "lucide-react";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/sonner";
import { errorMessage } from "@/lib/errors";
import { orpc } from "@/lib/orpc";
import { InviteDialog } from "./invite-dialog";

type Role = "owner" | "admin" | "member";
const rank: Record<Role, number> = { member: 0, admin: 1, owner: 2 };
const outranks = (actor: Role, target: Role) => actor === "owner" || rank[actor] > rank[target];

export function OrganizationSettings() {
	const router = useRouter();
	const queryClient = useQueryClient();
	const organization = useQuery(orpc.orgs.get.queryOptions());
	const me = useQuery(orpc.account.me.queryOptions());
	const [name, setName] = useState("");
	const [domain, setDomain] = useState("");
	useEffect(() => {
		if (organization.data) {
			setName(organization.data.organization.name);
			setDomain(organization.data.joinEmailDomain ?? "");
		}
	}, [organization.data]);

	const invalidate = () => queryClient.invalidateQueries();
	const onError = (error: unknown) => toast.error(errorMessage(error));
	const rename = useMutation(
		orpc.orgs.rename.mutationOptions({
			onSuccess: async () => {
				toast.success("Saved");
				await invalidate();
				router.refresh();
			},
			onError,
		}),
	);
	const changeRole = useMutation(
		orpc.orgs.changeRole.mutationOptions({ onSuccess: () => invalidate(), onError }),
	);
	const removeMember = useMutation(orpc.orgs.removeMember.mutationOptions({ onError }));
	const cancelInvitation = useMutation(orpc.orgs.cancelInvitation.mutationOptions({ onError }));
	const leave = useMutation(orpc.orgs.leave.mutationOptions({ onError }));
	const setJoinDomain = useMutation(
		orpc.orgs.setJoinEmailDomain.mutationOptions({
			onSuccess: async () => {
				toast.success("Saved");
				await invalidate();
			},
			onError,
		}),
	);

	if (organization.isPending || me.isPending) return <Skeleton className="h-96 w-full rounded-xl" />;
	if (!organization.data || !me.data) return null;
	const { role, members, invitations, joinEmailDomain } = organization.data;
	const org = organization.data.organization;
	const canManage = role === "owner" || role === "admin";
	const emailDomain = me.data.user.email.split("@").pop() ?? "";

	return (
		<div className="grid gap-6">
			<Card>
				<CardHeader>
					<CardTitle className="flex items-center gap-2">
						General {org.isPersonal ? <Badge variant="secondary">personal workspace</Badge> : null}
					</CardTitle>
					<CardDescription>Slug: {org.slug}</CardDescription>
				</CardHeader>
				<CardContent>
					<form
						className="flex flex-col gap-2 sm:flex-row sm:items-end"
						onSubmit={(event) => {
							event.preventDefault();
							rename.mutate({ name });
						}}
					>
						<div className="grid flex-1 gap-2">
							<Label htmlFor="organization-name">Name</Label>
							<Input
								id="organization-name"
								value={name}
								onChange={(event) => setName(event.target.value)}
								disabled={!canManage}
								minLength={2}
								maxLength={64}
							/>
						</div>
						{canManage ? (
							<Button type="submit" variant="outline" disabled={rename.isPending || name === org.name}>
								Save
							</Button>
						) : null}
					</form>
				</CardContent>
			</Card>

			<Card>
				<CardHeader className="flex flex-row flex-wrap items-start justify-between gap-3">
					<div className="grid min-w-0 flex-1 basis-72 gap-1.5">
						<CardTitle>Members</CardTitle>
						<CardDescription>
							{members.length} {members.length === 1 ? "member" : "members"}. Owners manage everything; admins
							manage members and API keys; members use repositories and sessions.
						</CardDescription>
					</div>
					{canManage && !org.isPersonal ? <InviteDialog canInviteOwners={role === "owner"} /> : null}
				</CardHeader>
				<CardContent className="grid gap-2">
					{members.map((member) => {
						const isSelf = member.user.id === me.data.user.id;
						const editable = canManage && !isSelf && outranks(role, member.role);
						return (
							<div
								key={member.user.id}
								data-testid="member-row"
								className="flex flex-wrap items-center gap-3 rounded-lg border px-3 py-2"
							>
								<span className="flex size-8 shrink-0 items-center justify-center rounded-full bg-muted text-xs font-semibold">
									{member.user.name.slice(0, 1).toUpperCase()}
								</span>
								<div className="min-w-0 flex-1">
									<div className="truncate text-sm font-medium">
										{member.user.name} {isSelf ? <span className="text-muted-foreground">(you)</span> : null}
									</div>
									<div className="truncate text-xs text-muted-foreground">{member.user.email}</div>
								</div>
								{editable ? (
									<Select
										value={member.role}
										onValueChange={(value) =>
											changeRole.mutate({ userId: member.user.id, role: value as Role })
										}
									>
										<SelectTrigger className="h-8 w-28" aria-label={`Role of ${member.user.email}`}>
											<SelectValue />
										</SelectTrigger>
										<SelectContent>
											<SelectItem value="member">member</SelectItem>
											<SelectItem value="admin">admin</SelectItem>
											{role === "owner" ? <SelectItem value="owner">owner</SelectItem> : null}
										</SelectContent>
									</Select>
								) : (
									<Badge variant={member.role === "owner" ? "default" : "secondary"}>{member.role}</Badge>
								)}
								{editable ? (
									<ConfirmDialog
										trigger={
											<Button variant="ghost" size="icon" aria-label={`Remove ${member.user.email}`}>
												<Trash2Icon />
											</Button>
										}
										title={`Remove ${member.user.name}?`}
										description="They lose access to this organization's repositories, sessions and API keys."
										confirmLabel="Remove"
										destructive
										onConfirm={async () => {
											await removeMember.mutateAsync({ userId: member.user.id });
											toast.success(`Removed ${member.user.email}`);
											await invalidate();
										}}
									/>
								) : null}
							</div>
						);
					})}
				</CardContent>
			</Card>

			{canManage && invitations.length > 0 ? (
				<Card>
					<CardHeader>
						<CardTitle>Pending invitations</CardTitle>
					</CardHeader>
					<CardContent className="grid gap-2">
						{invitations.map((invitation) => (
							<div
								key={invitation.id}
								className="flex flex-wrap items-center gap-3 rounded-lg border px-3 py-2 text-sm"
							>
								<span className="min-w-48 flex-1 truncate">{invitation.email}</span>
								<Badge variant="secondary">{invitation.role}</Badge>
								{invitation.state === "expired" ? (
									<Badge variant="warning">expired</Badge>
								) : (
									<span className="text-xs text-muted-foreground">
										expires{" "}
										{new Date(invitation.expiresAt).toLocaleDateString("en-GB", {
											day: "numeric",
											month: "short",
										})}
									</span>
								)}
								<Button
									variant="ghost"
									size="sm"
									onClick={async () => {
										await cancelInvitation.mutateAsync({ invitationId: invitation.id });
										toast.success("Invitation withdrawn");
										await invalidate();
									}}
								>
									Withdraw
								</Button>
							</div>
						))}
					</CardContent>
				</Card>
			) : null}

			{role === "owner" && !org.isPersonal ? (
				<Card>
					<CardHeader>
						<CardTitle>Join by email domain</CardTitle>
						<CardDescription>
							People who sign up with a verified address at your domain see this organization and can join as
							members.
						</CardDescription>
					</CardHeader>
					<CardContent>
						<form
							className="flex flex-col gap-2 sm:flex-row sm:items-end"
							onSubmit={(event) => {
								event.preventDefault();
								setJoinDomain.mutate({ domain: domain.trim() || null });
							}}
						>
							<div className="grid flex-1 gap-2">
								<Label htmlFor="join-domain">Domain</Label>
								<Input
									id="join-domain"
									value={domain}
									onChange={(event) => setDomain(event.target.value)}
									placeholder={emailDomain}
								/>
							</div>
							<Button type="submit" variant="outline" disabled={setJoinDomain.isPending}>
								{domain.trim() ? "Save" : joinEmailDomain ? "Turn off" : "Save"}
							</Button>
						</form>
					</CardContent>
				</Card>
			) : null}

			{!org.isPersonal ? (
				<Card className="border-destructive/40">
					<CardHeader className="flex flex-row flex-wrap items-center justify-between gap-3">
						<div className="grid gap-1.5">
							<CardTitle>Leave {org.name}</CardTitle>
							<CardDescription>
								{role === "owner"
									? "If you are the only owner, make someone else owner first."
									: "You can be invited again later."}
							</CardDescription>
						</div>
						<ConfirmDialog
							trigger={
								<Button variant="outline" className="text-destructive">
									<LogOutIcon /> Leave
								</Button>
							}
							title={`Leave ${org.name}?`}
							description="You lose access to its repositories, sessions and API keys."
							confirmLabel="Leave organization"
							destructive
							onConfirm={async () => {
								await leave.mutateAsync({});
								toast.success(`You left ${org.name}`);
								await invalidate();
								router.replace("/dashboard");
								router.refresh();
							}}
						/>
					</CardHeader>
				</Card>
			) : null}
		</div>
	);
}
