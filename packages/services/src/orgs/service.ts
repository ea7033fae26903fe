import { withTransaction } from "@proliferate/db";
import type { MemberRole } from "@proliferate/db/schema";
import type { ServiceContext } from "../context";
import { generateTextId, slugify } from "../ids";
import * as orgsDb from "./db";
import { EmailTakenError, NotAMemberError } from "./errors";
import {
	type Membership,
	type Organization,
	toMembership,
	toOrganization,
	toUser,
	type User,
} from "./mapper";

export async function createUser(
	context: ServiceContext,
	params: { name: string; email: string; emailVerified?: boolean },
): Promise<User> {
	const email = params.email.trim().toLowerCase();
	if (await orgsDb.findUserByEmailUnscoped(context.db, email)) throw new EmailTakenError(email);
	const row = await orgsDb.insertUser(context.db, {
		id: generateTextId(),
		name: params.name,
		email,
		emailVerified: params.emailVerified ?? false,
	});
	return toUser(row);
}

export async function findUserByEmail(context: ServiceContext, email: string): Promise<User | null> {
	const row = await orgsDb.findUserByEmailUnscoped(context.db, email.trim().toLowerCase());
	return row ? toUser(row) : null;
}

async function uniqueSlug(context: ServiceContext, name: string): Promise<string> {
	const base = slugify(name);
	for (let suffix = 0; suffix < 50; suffix++) {
		const candidate = suffix === 0 ? base : `${base}-${suffix + 1}`;
		if (!(await orgsDb.isSlugTaken(context.db, candidate))) return candidate;
	}
	return `${base}-${generateTextId().slice(0, 6).toLowerCase()}`;
}

/** Creates an organization with `ownerUserId` as its owner, in one transaction. */
export async function createOrganization(
	context: ServiceContext,
	params: { name: string; ownerUserId: string; isPersonal?: boolean; slug?: string },
): Promise<Organization> {
	return withTransaction(context.db, async (tx) => {
		const slug = params.slug ?? (await uniqueSlug({ db: tx }, params.name));
		const organization = await orgsDb.insertOrganization(tx, {
			id: generateTextId(),
			name: params.name.trim(),
			slug,
			isPersonal: params.isPersonal ?? false,
		});
		await orgsDb.insertMember(tx, {
			id: generateTextId(),
			organizationId: organization.id,
			userId: params.ownerUserId,
			role: "owner",
		});
		return toOrganization(organization);
	});
}

export async function addMember(
	context: ServiceContext,
	params: { organizationId: string; userId: string; role: MemberRole },
): Promise<void> {
	await orgsDb.insertMember(context.db, { id: generateTextId(), ...params });
}

/** The caller's membership of the organization; throws (as not found) when they are not a member. */
export async function requireMembership(
	context: ServiceContext,
	params: { organizationId: string; userId: string },
): Promise<Membership> {
	const row = await orgsDb.findOrganizationForMember(context.db, params);
	if (!row) throw new NotAMemberError(params.organizationId);
	return toMembership(row);
}

export async function listForUser(
	context: ServiceContext,
	params: { userId: string },
): Promise<Membership[]> {
	const rows = await orgsDb.listOrganizationsForUser(context.db, params);
	return rows.map(toMembership);
}

export async function listMembers(
	context: ServiceContext,
	params: { organizationId: string },
): Promise<{ user: User; role: MemberRole }[]> {
	const rows = await orgsDb.listMembers(context.db, params);
	return rows.map((row) => ({ user: toUser(row.user), role: row.member.role }));
}
