"use client";

import { useTheme } from "next-themes";
import { Toaster as Sonner, toast } from "sonner";

/** The app's notifier: render <Toaster /> once (in Providers), call `toast.success(...)` anywhere. */
export function Toaster() {
	const { resolvedTheme } = useTheme();
	return (
		<Sonner
			theme={resolvedTheme === "dark" ? "dark" : "light"}
			richColors
			closeButton
			style={
				{
					"--normal-bg": "var(--popover)",
					"--normal-text": "var(--popover-foreground)",
					"--normal-border": "var(--border)",
				} as React.CSSProperties
			}
		/>
	);
}

export { toast };
