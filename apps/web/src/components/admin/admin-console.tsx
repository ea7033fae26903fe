"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { SearchIcon, UserRoundCheckIcon } from "lucide-react";
import { useDeferredValue, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/sonner";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { errorMessage } from "@/lib/errors";
import { orpc } from "@/lib/orpc";
import { OperationsTab } from "./operations-tab";

const day = (iso: string) =>
	new Date(iso).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" });

function UsersTab({ search }: { search: string }) {
	const viewer = useQuery(orpc.account.viewer.queryOptions());
	const users = useQuery(orpc.admin.users.queryOptions({ input: search ? { search } : {} }));
	const impersonate = useMutation(
		orpc.admin.impersonate.mutationOptions({
			onSuccess: () => window.location.assign("/dashboard"),
			onError: (error) => toast.error(errorMessage(error)),
		}),
	);
	if (users.isPending) return <Skeleton className="h-48 w-full" />;
	return (
		<div className="grid gap-2">
			{users.data?.map((user) => (
				<div
					key={user.id}
					data-testid="admin-user-row"
					className="flex flex-wrap items-center gap-3 rounded-lg border bg-card px-4 py-3"
				>
					<div className="min-w-48 flex-1">
						<div className="truncate text-sm font-medium">{user.name}</div>
						<div className="truncate text-xs text-muted-foreground">
							{user.email} · joined {day(user.createdAt)} · {user.organizations} org
							{user.organizations === 1 ? "" : "s"}
						</div>
					</div>
					{user.emailVerified ? (
						<Badge variant="success">verified</Badge>
					) : (
						<Badge variant="warning">unverified</Badge>
					)}
					{user.id === viewer.data?.user.id ? (
						<Badge variant="outline">you</Badge>
					) : (
						<ConfirmDialog
							trigger={
								<Button variant="outline" size="sm">
									<UserRoundCheckIcon /> Impersonate
								</Button>
							}
							title={`Act as ${user.email}?`}
							description="You will see and do everything as this user until you stop (at most one hour). This is recorded in the audit log."
							confirmLabel="Start impersonating"
							onConfirm={() => impersonate.mutateAsync({ userId: user.id })}
						/>
					)}
				</div>
			))}
			{users.data?.length === 0 ? (
				<p className="py-8 text-center text-sm text-muted-foreground">No users match.</p>
			) : null}
		</div>
	);
}

function OrganizationsTab({ search }: { search: string }) {
	const organizations = useQuery(orpc.admin.organizations.queryOptions({ input: search ? { search } : {} }));
	if (organizations.isPending) return <Skeleton className="h-48 w-full" />;
	return (
		<div className="grid gap-2">
			{organizations.data?.map((organization) => (
				<div
					key={organization.id}
					className="flex flex-wrap items-center gap-3 rounded-lg border bg-card px-4 py-3"
				>
					<div className="min-w-48 flex-1">
						<div className="truncate text-sm font-medium">{organization.name}</div>
						<div className="truncate text-xs text-muted-foreground">
							{organization.slug} · created {day(organization.createdAt)}
						</div>
					</div>
					{organization.isPersonal ? <Badge variant="secondary">personal</Badge> : null}
					<Badge variant="outline">
						{organization.members} member{organization.members === 1 ? "" : "s"}
					</Badge>
				</div>
			))}
			{organizations.data?.length === 0 ? (
				<p className="py-8 text-center text-sm text-muted-foreground">No organizations match.</p>
			) : null}
		</div>
	);
}

function AuditTab() {
	const events = useQuery(orpc.admin.auditEvents.queryOptions({ input: {} }));
	if (events.isPending) return <Skeleton className="h-48 w-full" />;
	return (
		<div className="grid gap-1">
			{events.data?.map((event) => (
				<div
					key={event.id}
					className="flex flex-wrap items-center gap-3 rounded-md border bg-card px-3 py-2 text-sm"
				>
					<code className="text-xs">{event.action}</code>
					<span className="min-w-0 flex-1 truncate text-xs text-muted-foreground">
						by {event.actorUserId ?? "system"}
						{event.targetId ? ` → ${event.targetType} ${event.targetId}` : ""}
					</span>
					<span className="text-xs text-muted-foreground">
						{new Date(event.createdAt).toLocaleString("en-GB")}
					</span>
				</div>
			))}
			{events.data?.length === 0 ? (
				<p className="py-8 text-center text-sm text-muted-foreground">No audit events yet.</p>
			) : null}
		</div>
	);
}

export function AdminConsole() {
	const [search, setSearch] = useState("");
	const deferred = useDeferredValue(search.trim());
	const [tab, setTab] = useState("users");
	// Only the user and organization lists are searchable.
	const searchable = tab === "users" || tab === "organizations";
	return (
		<Tabs value={tab} onValueChange={setTab}>
			<div className="flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
				<TabsList>
					<TabsTrigger value="users">Users</TabsTrigger>
					<TabsTrigger value="organizations">Organizations</TabsTrigger>
					<TabsTrigger value="audit">Audit log</TabsTrigger>
					<TabsTrigger value="operations">Operations</TabsTrigger>
				</TabsList>
				{searchable ? (
					<div className="relative sm:w-64">
						<SearchIcon className="absolute top-2.5 left-2.5 size-4 text-muted-foreground" />
						<Input
							className="pl-8"
							placeholder="Search"
							value={search}
							onChange={(event) => setSearch(event.target.value)}
						/>
					</div>
				) : null}
			</div>
			<TabsContent value="users" className="pt-2">
				<UsersTab search={deferred} />
			</TabsContent>
			<TabsContent value="organizations" className="pt-2">
				<OrganizationsTab search={deferred} />
			</TabsContent>
			<TabsContent value="audit" className="pt-2">
				<AuditTab />
			</TabsContent>
			<TabsContent value="operations" className="pt-2">
				<OperationsTab />
			</TabsContent>
		</Tabs>
	);
}
