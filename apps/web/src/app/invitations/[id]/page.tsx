import { orgs } from "@proliferate/services";
import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { InvitationResponse } from "@/components/orgs/invitation-response";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card";
import { getWebContext } from "@/server/context";
import { getPageViewer } from "@/server/page-auth";

export const metadata: Metadata = { title: "Invitation" };
export const dynamic = "force-dynamic";

function Notice({ title, description }: { title: string; description: string }) {
	return (
		<Card>
			<CardHeader>
				<CardTitle className="text-xl">{title}</CardTitle>
				<CardDescription>{description}</CardDescription>
			</CardHeader>
			<CardFooter>
				<Button asChild variant="outline">
					<Link href="/dashboard">Go to the dashboard</Link>
				</Button>
			</CardFooter>
		</Card>
	);
}

/** Accept or decline an invitation; the invitee must be signed in with the invited address. */
export default async function InvitationPage({ params }: { params: Promise<{ id: string }> }) {
	const { id } = await params;
	const viewer = await getPageViewer();
	if (!viewer) redirect(`/sign-in?next=${encodeURIComponent(`/invitations/${id}`)}`);
	const invitation = await orgs
		.getInvitationForInvitee(getWebContext().services, { invitationId: id, email: viewer.user.email })
		.catch((error: unknown) => error as Error);
	const body =
		invitation instanceof Error ? (
			<Notice
				title="Invitation not available"
				description={
					invitation instanceof orgs.InvitationForAnotherEmailError
						? `This invitation was sent to another address; you are signed in as ${viewer.user.email}.`
						: "This invitation does not exist or was withdrawn."
				}
			/>
		) : invitation.state !== "pending" ? (
			<Notice
				title={`Invitation ${invitation.state}`}
				description={
					invitation.state === "expired"
						? `This invitation to ${invitation.organization.name} has expired. Ask ${invitation.inviterName} for a new one.`
						: `This invitation to ${invitation.organization.name} was already ${invitation.state}.`
				}
			/>
		) : (
			<InvitationResponse
				invitationId={invitation.id}
				organizationName={invitation.organization.name}
				inviterName={invitation.inviterName}
				role={invitation.role}
				expiresAt={invitation.expiresAt}
			/>
		);
	return (
		<div className="flex min-h-dvh flex-col items-center justify-center bg-muted/40 px-4 py-10">
			<div className="mb-6 flex items-center gap-2 text-lg font-semibold tracking-tight">
				<span className="size-3 rounded-full bg-brand" /> Proliferate
			</div>
			<div className="w-full max-w-md">{body}</div>
		</div>
	);
}
