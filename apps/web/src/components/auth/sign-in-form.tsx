"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { authClient } from "@/lib/auth-client";
import { AuthError, AuthField, AuthFooter } from "./form-parts";
import { GitHubButton } from "./github-button";

/** Only same-site paths are followed after sign-in. */
export function safeNext(value: string | null): string {
	return value?.startsWith("/") && !value.startsWith("//") ? value : "/dashboard";
}

export function SignInForm({ githubEnabled }: { githubEnabled: boolean }) {
	const router = useRouter();
	const searchParams = useSearchParams();
	const [error, setError] = useState<string | null>(null);
	const [pending, setPending] = useState(false);
	const verified = searchParams.get("verified") === "1";
	const linkError = searchParams.get("error");
	return (
		<Card>
			<CardHeader>
				<CardTitle className="text-xl">Sign in</CardTitle>
				<CardDescription>Welcome back. Sign in to your workspace.</CardDescription>
			</CardHeader>
			<CardContent className="grid gap-4">
				{verified ? (
					<Alert>
						<AlertDescription>Your email is verified. Sign in to continue.</AlertDescription>
					</Alert>
				) : null}
				{linkError && !error ? (
					<Alert variant="destructive">
						<AlertDescription>
							{linkError === "invalid_token" || linkError === "token_expired"
								? "That verification link is invalid or has expired. Sign in and we will send a new one."
								: "Something went wrong with that link. Please sign in."}
						</AlertDescription>
					</Alert>
				) : null}
				<AuthError error={error} />
				<form
					className="grid gap-4"
					onSubmit={async (event) => {
						event.preventDefault();
						const form = new FormData(event.currentTarget);
						setPending(true);
						setError(null);
						const result = await authClient.signIn.email({
							email: String(form.get("email")),
							password: String(form.get("password")),
						});
						setPending(false);
						if (result.error) {
							setError(
								result.error.status === 403
									? "Verify your email first: we sent you a new link."
									: (result.error.message ?? "Could not sign in"),
							);
							return;
						}
						router.replace(safeNext(searchParams.get("next")));
						router.refresh();
					}}
				>
					<AuthField
						label="Email"
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
						autoComplete="current-password"
						required
						aside={
							<Link
								href="/forgot-password"
								className="text-xs text-muted-foreground underline-offset-4 hover:underline"
							>
								Forgot password?
							</Link>
						}
					/>
					<Button type="submit" className="w-full" disabled={pending}>
						{pending ? "Signing in…" : "Sign in"}
					</Button>
				</form>
				{githubEnabled ? <GitHubButton /> : null}
			</CardContent>
			<AuthFooter
				text="New here?"
				link="Create an account"
				href={
					searchParams.get("next")
						? `/sign-up?next=${encodeURIComponent(safeNext(searchParams.get("next")))}`
						: "/sign-up"
				}
			/>
		</Card>
	);
}
