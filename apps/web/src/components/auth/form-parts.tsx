import Link from "next/link";
import type { ComponentProps, ReactNode } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { CardFooter } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

/** The pieces every auth form (sign-in, sign-up, password reset) is made of. */

/** A labelled input; `name` is also its id. `aside` sits right of the label, `hint` below the input. */
export function AuthField({
	label,
	name,
	hint,
	aside,
	...input
}: ComponentProps<typeof Input> & { label: string; name: string; hint?: string; aside?: ReactNode }) {
	return (
		<div className="grid gap-2">
			{aside ? (
				<div className="flex items-center justify-between">
					<Label htmlFor={name}>{label}</Label>
					{aside}
				</div>
			) : (
				<Label htmlFor={name}>{label}</Label>
			)}
			<Input id={name} name={name} {...input} />
			{hint ? <p className="text-xs text-muted-foreground">{hint}</p> : null}
		</div>
	);
}

export function AuthError({ error }: { error: string | null }) {
	if (!error) return null;
	return (
		<Alert variant="destructive" data-testid="auth-error">
			<AlertDescription>{error}</AlertDescription>
		</Alert>
	);
}

/** Without a mail server, emails land in the local outbox: link to the recipient's messages. */
export function OutboxNotice({ to, children }: { to: string; children: ReactNode }) {
	return (
		<Alert>
			<AlertDescription>
				{children}{" "}
				<Link
					href={`/dev/outbox?to=${encodeURIComponent(to)}`}
					className="font-medium text-foreground underline"
				>
					Open the outbox
				</Link>
			</AlertDescription>
		</Alert>
	);
}

/** "New here? Create an account" and the like, under the card. */
export function AuthFooter({ text, href, link }: { text?: string; href: string; link: string }) {
	return (
		<CardFooter className="justify-center text-sm text-muted-foreground">
			{text ? <>{text}&nbsp;</> : null}
			<Link href={href} className="font-medium text-foreground underline-offset-4 hover:underline">
				{link}
			</Link>
		</CardFooter>
	);
}
