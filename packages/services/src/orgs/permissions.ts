import type { MemberRole } from "./db";
import { PermissionDeniedError } from "./errors";

/**
 * What each role may do. Members use the platform (repos, sessions); admins also manage people,
 * API keys and the sandbox provider; owners also manage owners, domain joining and the organization
 * itself.
 */
export const rolePermissions = {
	"organization:read": ["owner", "admin", "member"],
	"organization:update": ["owner", "admin"],
	"members:invite": ["owner", "admin"],
	"members:remove": ["owner", "admin"],
	"members:update_role": ["owner", "admin"],
	"api_keys:manage": ["owner", "admin"],
	"sandbox_provider:update": ["owner", "admin"],
	"organization:manage_owners": ["owner"],
} as const satisfies Record<string, readonly MemberRole[]>;

export type Permission = keyof typeof rolePermissions;

export function can(role: MemberRole, permission: Permission): boolean {
	return (rolePermissions[permission] as readonly MemberRole[]).includes(role);
}

export function assertCan(role: MemberRole, permission: Permission): void {
	if (!can(role, permission)) throw new PermissionDeniedError(permission);
}

const rank: Record<MemberRole, number> = { member: 0, admin: 1, owner: 2 };

/** An actor may act on someone (remove, change role) only below their own rank; owners act on anyone. */
export function outranks(actor: MemberRole, target: MemberRole): boolean {
	return actor === "owner" || rank[actor] > rank[target];
}
