"use client";

import { create } from "zustand";

export type WorkspacePanel = "diff" | "terminal" | "preview" | "artifacts";
/** On narrow screens one view shows at a time: the chat or one of the panels. */
export type MobileView = "chat" | WorkspacePanel;

interface WorkspaceUiState {
	panel: WorkspacePanel;
	mobileView: MobileView;
	diffMode: "unified" | "split";
	selectedFile: string | null;
	previewPort: number | null;
	expandedTools: Record<string, boolean>;
	setPanel: (panel: WorkspacePanel) => void;
	setMobileView: (view: MobileView) => void;
	setDiffMode: (mode: "unified" | "split") => void;
	selectFile: (path: string | null) => void;
	setPreviewPort: (port: number | null) => void;
	toggleTool: (toolCallId: string) => void;
	reset: () => void;
}

const initial = {
	panel: "diff" as WorkspacePanel,
	mobileView: "chat" as MobileView,
	diffMode: "unified" as const,
	selectedFile: null,
	previewPort: null,
	expandedTools: {},
};

/** Client-only UI state of the session workspace (server state lives in TanStack Query and the stream). */
export const useWorkspaceUi = create<WorkspaceUiState>((set) => ({
	...initial,
	setPanel: (panel) => set({ panel, mobileView: panel }),
	setMobileView: (mobileView) =>
		set(mobileView === "chat" ? { mobileView } : { mobileView, panel: mobileView }),
	setDiffMode: (diffMode) => set({ diffMode }),
	selectFile: (selectedFile) => set({ selectedFile }),
	setPreviewPort: (previewPort) => set({ previewPort }),
	toggleTool: (toolCallId) =>
		set((state) => ({
			expandedTools: { ...state.expandedTools, [toolCallId]: !state.expandedTools[toolCallId] },
		})),
	reset: () => set(initial),
}));
