"use client";

import type * as React from "react";
import { useState } from "react";
import { Button } from "./button";
import {
	Dialog,
	DialogContent,
	DialogDescription,
	DialogFooter,
	DialogHeader,
	DialogTitle,
	DialogTrigger,
} from "./dialog";

/** The replacement for window.confirm: a trigger, a question, and a (destructive) confirm button. */
export function ConfirmDialog({
	trigger,
	title,
	description,
	confirmLabel = "Confirm",
	destructive = false,
	onConfirm,
}: {
	trigger: React.ReactNode;
	title: string;
	description?: React.ReactNode;
	confirmLabel?: string;
	destructive?: boolean;
	onConfirm: () => Promise<unknown> | undefined;
}) {
	const [open, setOpen] = useState(false);
	const [pending, setPending] = useState(false);
	return (
		<Dialog open={open} onOpenChange={setOpen}>
			<DialogTrigger asChild>{trigger}</DialogTrigger>
			<DialogContent>
				<DialogHeader>
					<DialogTitle>{title}</DialogTitle>
					{description ? <DialogDescription>{description}</DialogDescription> : null}
				</DialogHeader>
				<DialogFooter>
					<Button variant="outline" onClick={() => setOpen(false)} disabled={pending}>
						Cancel
					</Button>
					<Button
						variant={destructive ? "destructive" : "default"}
						disabled={pending}
						onClick={async () => {
							setPending(true);
							try {
								await onConfirm();
								setOpen(false);
							} catch {
								// The action reported its own failure (toast); keep the dialog open to retry.
							} finally {
								setPending(false);
							}
						}}
					>
						{confirmLabel}
					</Button>
				</DialogFooter>
			</DialogContent>
		</Dialog>
	);
}
