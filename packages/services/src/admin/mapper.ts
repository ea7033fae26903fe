import type { OrganizationRow, UserRow } from "../orgs/db";
import { type Organization, toOrganization, toUser, type User } from "../orgs/mapper";
import type { ImpersonationRow } from "./db";

export type AdminUser = User & { organizations: number; createdAt: string };
export type AdminOrganization = Organization & { members: number };

export interface ActiveImpersonation {
	id: string;
	target: User;
	expiresAt: string;
}

export function toAdminUser(row: { user: UserRow; organizations: number }): AdminUser {
	return {
		...toUser(row.user),
		organizations: row.organizations,
		createdAt: row.user.createdAt.toISOString(),
	};
}

export function toAdminOrganization(row: {
	organization: OrganizationRow;
	members: number;
}): AdminOrganization {
	return { ...toOrganization(row.organization), members: row.members };
}

export function toActiveImpersonation(row: {
	impersonation: ImpersonationRow;
	target: UserRow;
}): ActiveImpersonation {
	return {
		id: row.impersonation.id,
		target: toUser(row.target),
		expiresAt: row.impersonation.expiresAt.toISOString(),
	};
}
