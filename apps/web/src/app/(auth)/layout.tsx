import Link from "next/link";
import type * as React from "react";

/** Centered card layout of the sign-in, sign-up, verification and invitation pages. */
export default function AuthLayout({ children }: { children: React.ReactNode }) {
	return (
		<div className="flex min-h-dvh flex-col items-center justify-center bg-muted/40 px-4 py-10">
			<Link href="/" className="mb-6 flex items-center gap-2 text-lg font-semibold tracking-tight">
				<span className="size-3 rounded-full bg-brand" /> Proliferate
			</Link>
			<div className="w-full max-w-sm">{children}</div>
		</div>
	);
}
