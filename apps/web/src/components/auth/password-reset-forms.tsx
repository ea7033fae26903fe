"use client";

import { MailCheckIcon } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { toast } from "@/components/ui/sonner";
import { authClient } from "@/lib/auth-client";
import { AuthError, AuthField, AuthFooter, OutboxNotice } from "./form-parts";

const backToSignIn = <AuthFooter href="/sign-in" link="Back to sign in" />;

/** Asks for a reset link; answers the same whether or not the address has an account. */
export function ForgotPasswordForm({ localOutbox }: { localOutbox: boolean }) {
	const [sentTo, setSentTo] = useState<string | null>(null);
	const [error, setError] = useState<string | null>(null);
	const [pending, setPending] = useState(false);
	return (
		<Card>
			<CardHeader>
				{sentTo ? <MailCheckIcon className="mb-2 size-8 text-brand" /> : null}
				<CardTitle className="text-xl">{sentTo ? "Check your email" : "Reset your password"}</CardTitle>
				<CardDescription>
					{sentTo
						? `If ${sentTo} has an account, a link to choose a new password is on its way.`
						: "We will email you a link to choose a new password."}
				</CardDescription>
			</CardHeader>
			<CardContent className="grid gap-4">
				<AuthError error={error} />
				{sentTo ? (
					localOutbox ? (
						<OutboxNotice to={sentTo}>No mail server is configured.</OutboxNotice>
					) : null
				) : (
					<form
						className="grid gap-4"
						onSubmit={async (event) => {
							event.preventDefault();
							const email = String(new FormData(event.currentTarget).get("email")).trim();
							setPending(true);
							setError(null);
							const result = await authClient.requestPasswordReset({ email, redirectTo: "/reset-password" });
							setPending(false);
							if (result.error) setError(result.error.message ?? "Could not send the link");
							else setSentTo(email);
						}}
					>
						<AuthField label="Email" name="email" type="email" autoComplete="email" required />
						<Button type="submit" className="w-full" disabled={pending}>
							Send reset link
						</Button>
					</form>
				)}
			</CardContent>
			{backToSignIn}
		</Card>
	);
}

export function ResetPasswordForm({ token }: { token: string | null }) {
	const router = useRouter();
	const [error, setError] = useState<string | null>(null);
	const [pending, setPending] = useState(false);
	if (!token) {
		return (
			<Card>
				<CardHeader>
					<CardTitle className="text-xl">Link expired</CardTitle>
					<CardDescription>This reset link is invalid or has expired.</CardDescription>
				</CardHeader>
				<CardContent>
					<Button asChild className="w-full">
						<Link href="/forgot-password">Send a new link</Link>
					</Button>
				</CardContent>
				{backToSignIn}
			</Card>
		);
	}
	return (
		<Card>
			<CardHeader>
				<CardTitle className="text-xl">Choose a new password</CardTitle>
				<CardDescription>Every device signed in to your account is signed out.</CardDescription>
			</CardHeader>
			<CardContent className="grid gap-4">
				<AuthError error={error} />
				<form
					className="grid gap-4"
					onSubmit={async (event) => {
						event.preventDefault();
						const newPassword = String(new FormData(event.currentTarget).get("password"));
						setPending(true);
						setError(null);
						const result = await authClient.resetPassword({ newPassword, token });
						setPending(false);
						if (result.error) {
							setError(result.error.message ?? "Could not reset the password");
							return;
						}
						toast.success("Password changed. Sign in with your new password.");
						router.replace("/sign-in");
					}}
				>
					<AuthField
						label="New password"
						name="password"
						type="password"
						autoComplete="new-password"
						minLength={8}
						maxLength={128}
						required
					/>
					<Button type="submit" className="w-full" disabled={pending}>
						Save new password
					</Button>
				</form>
			</CardContent>
		</Card>
	);
}
