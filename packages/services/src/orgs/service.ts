import { DomainError } from "@proliferate/shared";
import { z } from "zod";
import type { OrgScope, ServiceContext } from "../context";
import { withTransaction } from "../db/client";
import { generateTextId, slugify } from "../ids";
import type { MemberRole } from "./db";
import * as orgsDb from "./db";
import { EmailTakenError, NotAMemberError, OrganizationNotFoundError } from "./errors";
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

const sandboxProviderSchema = z.enum(["local", "e2b", "modal"]).nullable();

/** The organization's sandbox provider override, or null to use the deployment's SANDBOX_PROVIDER. */
export async function getSandboxProviderOverride(
	context: ServiceContext,
	scope: OrgScope,
): Promise<orgsDb.SandboxProviderOverride | null> {
	return orgsDb.findSandboxProviderOverride(context.db, scope);
}

/** Sets (or clears, with null) the organization's sandbox provider. Callers check the role (owner/admin). */
export async function setSandboxProviderOverride(
	context: ServiceContext,
	params: OrgScope & { provider: string | null },
): Promise<void> {
	const parsed = sandboxProviderSchema.safeParse(params.provider);
	if (!parsed.success) {
		throw new DomainError(
			"invalid_input",
			"SANDBOX_PROVIDER_INVALID",
			`sandbox provider must be one of local, e2b, modal (got ${JSON.stringify(params.provider)})`,
		);
	}
	try {
		await orgsDb.upsertSandboxProviderOverride(context.db, {
			organizationId: params.organizationId,
			sandboxProvider: parsed.data,
		});
	} catch (error) {
		const pgError = error as { code?: string; cause?: { code?: string } };
		if ((pgError.code ?? pgError.cause?.code) === "23503") {
			throw new OrganizationNotFoundError(params.organizationId);
		}
		throw error;
	}
}

/** Which provider a new session of an organization uses: its override, else the deployment default. */
export function resolveSandboxProviderType<T extends string>(deploymentDefault: T, override: T | null): T {
	return override ?? deploymentDefault;
}
