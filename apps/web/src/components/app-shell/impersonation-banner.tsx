"use client";

import { useMutation } from "@tanstack/react-query";
import { UserRoundCheckIcon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { toast } from "@/components/ui/sonner";
import { errorMessage } from "@/lib/errors";
import { orpc } from "@/lib/orpc";

/** Shown on every page while a super-admin acts as someone else. */
export function ImpersonationBanner({ userEmail, adminEmail }: { userEmail: string; adminEmail: string }) {
	const stop = useMutation(
		orpc.admin.stopImpersonating.mutationOptions({
			onSuccess: () => window.location.assign("/admin"),
			onError: (error) => toast.error(errorMessage(error)),
		}),
	);
	return (
		<div
			role="status"
			data-testid="impersonation-banner"
			className="flex flex-wrap items-center justify-center gap-x-3 gap-y-1 bg-warning px-4 py-2 text-sm font-medium text-black"
		>
			<UserRoundCheckIcon className="size-4" />
			<span>
				You ({adminEmail}) are impersonating <strong>{userEmail}</strong>. Everything you do is done as them.
			</span>
			<Button
				size="sm"
				variant="outline"
				className="h-7 border-black/30 bg-white/60 text-black hover:bg-white"
				onClick={() => stop.mutate({})}
				disabled={stop.isPending}
			>
				Stop impersonating
			</Button>
		</div>
	);
}
