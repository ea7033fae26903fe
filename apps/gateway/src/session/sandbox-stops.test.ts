import { SandboxNotFoundError, SandboxTerminatedError } from "@proliferate/shared";
import { describe, expect, it } from "vitest";
import { classifyStopReason, stopFromError, stopFromStatus } from "./sandbox-stops";

describe("sandbox stop reasons", () => {
	it("classifies providers' reason texts into stop kinds", () => {
		expect(classifyStopReason("the sandbox exceeded its memory limit (128 MB)")).toBe("memory_limit");
		expect(classifyStopReason("the sandbox exceeded its process limit (40 processes)")).toBe("process_limit");
		expect(classifyStopReason("the sandbox exceeded its disk limit (8 MB): it uses 24 MB")).toBe(
			"disk_limit",
		);
		expect(classifyStopReason("the sandbox reached the end of its lifetime")).toBe("expired");
		expect(classifyStopReason("the sandbox exited unexpectedly (SIGKILL)")).toBe("killed");
		expect(classifyStopReason("modal: internal error 500")).toBe("provider_error");
	});

	it("reads a stop from a status only when the sandbox no longer runs, preferring the provider's kind", () => {
		const base = { sandboxId: "sbx", expiresAt: null };
		expect(stopFromStatus({ ...base, state: "running" })).toBeUndefined();
		expect(stopFromStatus({ ...base, state: "creating" })).toBeUndefined();
		expect(stopFromStatus({ ...base, state: "failed", reason: "boom", stopKind: "disk_limit" })).toEqual({
			kind: "disk_limit",
			message: "boom",
		});
		expect(stopFromStatus({ ...base, state: "terminated" })).toEqual({
			kind: "provider_error",
			message: "the sandbox is terminated",
		});
	});

	it("maps a terminated or vanished sandbox's errors to stops, and nothing else", () => {
		expect(
			stopFromError(new SandboxTerminatedError("sbx", "the sandbox reached the end of its lifetime")),
		).toEqual({
			kind: "expired",
			message: "the sandbox reached the end of its lifetime",
		});
		expect(stopFromError(new SandboxNotFoundError("sbx"))).toEqual({
			kind: "killed",
			message: "the sandbox is gone",
		});
		expect(stopFromError(new Error("fetch failed"))).toBeUndefined();
	});
});
