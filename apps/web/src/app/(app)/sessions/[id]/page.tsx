import type { Metadata } from "next";
import { SessionWorkspace } from "@/components/session/session-workspace";

export const metadata: Metadata = { title: "Session" };

export default async function SessionPage({ params }: { params: Promise<{ id: string }> }) {
	const { id } = await params;
	// The app shell's phone header sits above; the workspace fills the rest of the viewport.
	return (
		<div className="h-[calc(100dvh-5.75rem)] md:h-dvh">
			<SessionWorkspace sessionId={id} />
		</div>
	);
}
