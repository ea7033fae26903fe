import type { MemberRole, MemberRow, OrganizationRow, UserRow } from "./db";

export interface Organization {
	id: string;
	name: string;
	slug: string;
	isPersonal: boolean;
	createdAt: string;
}

export interface Membership {
	organization: Organization;
	role: MemberRole;
}

export interface User {
	id: string;
	name: string;
	email: string;
	emailVerified: boolean;
	image: string | null;
}

export function toOrganization(row: OrganizationRow): Organization {
	return {
		id: row.id,
		name: row.name,
		slug: row.slug,
		isPersonal: row.isPersonal,
		createdAt: row.createdAt.toISOString(),
	};
}

export function toMembership(row: { organization: OrganizationRow; member: MemberRow }): Membership {
	return { organization: toOrganization(row.organization), role: row.member.role };
}

export function toUser(row: UserRow): User {
	return { id: row.id, name: row.name, email: row.email, emailVerified: row.emailVerified, image: row.image };
}
