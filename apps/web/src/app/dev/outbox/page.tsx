import { mail } from "@proliferate/services";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { getWebContext, outboxVisible } from "@/server/context";

export const metadata: Metadata = { title: "Local outbox" };
export const dynamic = "force-dynamic";

/** Development only: every email the platform "sent" while no SMTP server is configured. */
export default async function OutboxPage({ searchParams }: { searchParams: Promise<{ to?: string }> }) {
	const web = getWebContext();
	if (!outboxVisible(web)) notFound();
	const { to } = await searchParams;
	const messages = await mail.listOutbox(web.services, { ...(to ? { to } : {}), limit: 50 });
	return (
		<div className="min-h-dvh bg-muted/40 px-4 py-8">
			<div className="mx-auto grid w-full max-w-3xl gap-4">
				<div>
					<div className="flex items-center gap-2">
						<h1 className="text-2xl font-semibold tracking-tight">Local outbox</h1>
						<Badge variant="warning">development</Badge>
					</div>
					<p className="mt-1 text-sm text-muted-foreground">
						No mail server is configured (SMTP_URL), so emails land here and in the web log.
						{to ? ` Showing mail to ${to}.` : ""}
					</p>
				</div>
				{messages.length === 0 ? (
					<Card>
						<CardContent className="py-10 text-center text-sm text-muted-foreground">
							No emails yet.
						</CardContent>
					</Card>
				) : (
					messages.map((message) => (
						<Card key={message.id} data-testid="outbox-message">
							<CardHeader>
								<CardTitle className="text-base">{message.subject}</CardTitle>
								<CardDescription>
									To {message.to} · {new Date(message.createdAt).toLocaleString("en-GB", { timeZone: "UTC" })}{" "}
									UTC
								</CardDescription>
							</CardHeader>
							<CardContent className="grid gap-3">
								<p className="text-sm whitespace-pre-line text-muted-foreground">
									{message.text.split("\n")[0]}
								</p>
								{message.actionUrl ? (
									<a
										href={message.actionUrl}
										className="inline-flex h-9 w-fit items-center rounded-md bg-primary px-4 text-sm font-medium text-primary-foreground hover:bg-primary/90"
										data-testid="outbox-action"
									>
										Open link
									</a>
								) : null}
							</CardContent>
						</Card>
					))
				)}
			</div>
		</div>
	);
}
