import type { Metadata, Viewport } from "next";
import type * as React from "react";
import { Providers } from "./providers";
import "./globals.css";

export const metadata: Metadata = {
	title: { default: "Proliferate", template: "%s · Proliferate" },
	description: "Background coding agents for your team",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default function RootLayout({ children }: { children: React.ReactNode }) {
	return (
		<html lang="en" suppressHydrationWarning>
			<body className="min-h-dvh font-sans">
				<Providers>{children}</Providers>
			</body>
		</html>
	);
}
