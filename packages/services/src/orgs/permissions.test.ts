import { describe, expect, it } from "vitest";
import { PermissionDeniedError } from "./errors";
import { assertCan, can, outranks } from "./permissions";

describe("organization roles", () => {
	it("lets members use the platform but not manage people or keys", () => {
		expect(can("member", "organization:read")).toBe(true);
		for (const permission of [
			"members:invite",
			"members:remove",
			"members:update_role",
			"api_keys:manage",
			"sandbox_provider:update",
		] as const)
			expect(can("member", permission)).toBe(false);
		expect(() => assertCan("member", "members:remove")).toThrow(PermissionDeniedError);
	});

	it("lets admins manage members and keys, and only owners manage owners", () => {
		expect(can("admin", "members:invite")).toBe(true);
		expect(can("admin", "api_keys:manage")).toBe(true);
		expect(can("admin", "sandbox_provider:update")).toBe(true);
		expect(can("owner", "sandbox_provider:update")).toBe(true);
		expect(can("admin", "organization:manage_owners")).toBe(false);
		expect(can("owner", "organization:manage_owners")).toBe(true);
	});

	it("ranks: owners act on anyone, admins on members only, members on nobody", () => {
		expect(outranks("owner", "owner")).toBe(true);
		expect(outranks("admin", "member")).toBe(true);
		expect(outranks("admin", "admin")).toBe(false);
		expect(outranks("admin", "owner")).toBe(false);
		expect(outranks("member", "member")).toBe(false);
	});
});
