"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card";
import { toast } from "@/components/ui/sonner";
import { errorMessage } from "@/lib/errors";
import { orpc } from "@/lib/orpc";

export function InvitationResponse(props: {
	invitationId: string;
	organizationName: string;
	inviterName: string;
	role: string;
	expiresAt: string;
}) {
	const router = useRouter();
	const onError = (error: unknown) => toast.error(errorMessage(error));
	const accept = useMutation(
		orpc.invitations.accept.mutationOptions({
			onSuccess: (organization) => {
				toast.success(`Welcome to ${organization.name}`);
				router.replace("/onboarding");
			},
			onError,
		}),
	);
	const decline = useMutation(
		orpc.invitations.decline.mutationOptions({
			onSuccess: () => {
				toast.success("Invitation declined");
				router.replace("/dashboard");
			},
			onError,
		}),
	);
	const busy = accept.isPending || decline.isPending;
	return (
		<Card data-testid="invitation">
			<CardHeader>
				<CardTitle className="text-xl">Join {props.organizationName}</CardTitle>
				<CardDescription>
					{props.inviterName} invited you to join{" "}
					<strong className="text-foreground">{props.organizationName}</strong> as{" "}
					<Badge variant="secondary">{props.role}</Badge>. The invitation expires{" "}
					{new Date(props.expiresAt).toLocaleDateString("en-GB", {
						day: "numeric",
						month: "short",
						year: "numeric",
					})}
					.
				</CardDescription>
			</CardHeader>
			<CardFooter className="flex gap-2">
				<Button onClick={() => accept.mutate({ invitationId: props.invitationId })} disabled={busy}>
					Accept invitation
				</Button>
				<Button
					variant="outline"
					onClick={() => decline.mutate({ invitationId: props.invitationId })}
					disabled={busy}
				>
					Decline
				</Button>
			</CardFooter>
		</Card>
	);
}
