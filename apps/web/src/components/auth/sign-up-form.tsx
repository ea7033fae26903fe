"use client";

import { MailCheckIcon } from "lucide-react";
import { useSearchParams } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { authClient } from "@/lib/auth-client";
import { AuthError, AuthField, AuthFooter, OutboxNotice } from "./form-parts";
import { GitHubButton } from "./github-button";
import { safeNext } from "./sign-in-form";

export function SignUpForm({ githubEnabled, localOutbox }: { githubEnabled: boolean; localOutbox: boolean }) {
	const [error, setError] = useState<string | null>(null);
	const [pending, setPending] = useState(false);
	const [sentTo, setSentTo] = useState<string | null>(null);
	const next = useSearchParams().get("next");
	// After the emailed link: back to where they were going (an invitation), else onboarding.
	const afterVerification = next ? safeNext(next) : "/onboarding";
	if (sentTo) {
		return (
			<Card data-testid="check-email">
				<CardHeader>
					<MailCheckIcon className="mb-2 size-8 text-brand" />
					<CardTitle className="text-xl">Check your email</CardTitle>
					<CardDescription>
						We sent a verification link to <strong className="text-foreground">{sentTo}</strong>. Open it to
						finish signing up.
					</CardDescription>
				</CardHeader>
				{localOutbox ? (
					<CardContent>
						<OutboxNotice to={sentTo}>
							No mail server is configured, so emails go to the local outbox.
						</OutboxNotice>
					</CardContent>
				) : null}
			</Card>
		);
	}
	return (
		<Card>
			<CardHeader>
				<CardTitle className="text-xl">Create your account</CardTitle>
				<CardDescription>Run coding agents on your repositories, together.</CardDescription>
			</CardHeader>
			<CardContent className="grid gap-4">
				<AuthError error={error} />
				<form
					className="grid gap-4"
					onSubmit={async (event) => {
						event.preventDefault();
						const form = new FormData(event.currentTarget);
						const email = String(form.get("email")).trim();
						setPending(true);
						setError(null);
						const result = await authClient.signUp.email({
							name: String(form.get("name")).trim(),
							email,
							password: String(form.get("password")),
							callbackURL: afterVerification,
						});
						setPending(false);
						if (result.error) setError(result.error.message ?? "Could not create the account");
						else setSentTo(email);
					}}
				>
					<AuthField
						label="Name"
						name="name"
						autoComplete="name"
						required
						maxLength={100}
						placeholder="Ada Lovelace"
					/>
					<AuthField
						label="Work email"
						name="email"
						type="email"
						autoComplete="email"
						required
						placeholder="you@company.com"
					/>
					<AuthField
						label="Password"
						name="password"
						type="password"
						autoComplete="new-password"
						required
						minLength={8}
						maxLength={128}
						hint="At least 8 characters."
					/>
					<Button type="submit" className="w-full" disabled={pending}>
						{pending ? "Creating account…" : "Create account"}
					</Button>
				</form>
				{githubEnabled ? <GitHubButton /> : null}
			</CardContent>
			<AuthFooter
				text="Already have an account?"
				link="Sign in"
				href={next ? `/sign-in?next=${encodeURIComponent(afterVerification)}` : "/sign-in"}
			/>
		</Card>
	);
}
