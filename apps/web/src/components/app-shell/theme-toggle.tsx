"use client";

import { MonitorIcon, MoonIcon, SunIcon } from "lucide-react";
import { useTheme } from "next-themes";
import { Button } from "@/components/ui/button";
import {
	DropdownMenu,
	DropdownMenuCheckItem,
	DropdownMenuContent,
	DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";

export function ThemeToggle() {
	const { theme, setTheme } = useTheme();
	return (
		<DropdownMenu>
			<DropdownMenuTrigger asChild>
				<Button variant="ghost" size="icon" aria-label="Theme">
					<SunIcon className="dark:hidden" />
					<MoonIcon className="hidden dark:block" />
				</Button>
			</DropdownMenuTrigger>
			<DropdownMenuContent align="end">
				<DropdownMenuCheckItem checked={theme === "light"} onSelect={() => setTheme("light")}>
					<SunIcon /> Light
				</DropdownMenuCheckItem>
				<DropdownMenuCheckItem checked={theme === "dark"} onSelect={() => setTheme("dark")}>
					<MoonIcon /> Dark
				</DropdownMenuCheckItem>
				<DropdownMenuCheckItem checked={theme === "system"} onSelect={() => setTheme("system")}>
					<MonitorIcon /> System
				</DropdownMenuCheckItem>
			</DropdownMenuContent>
		</DropdownMenu>
	);
}
