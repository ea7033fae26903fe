import type { ServiceContext } from "../context";
import { generateTextId } from "../ids";
import * as orgsDb from "./db";
import { DomainNotAllowedError, PersonalOrganizationError } from "./errors";
import { type Organization, toOrganization } from "./mapper";
import type { Actor } from "./members";
import { assertCan } from "./permissions";

/** Mail providers whose addresses say nothing about an employer. */
const publicEmailDomains = new Set([
	"gmail.com",
	"googlemail.com",
	"outlook.com",
	"hotmail.com",
	"live.com",
	"yahoo.com",
	"icloud.com",
	"me.com",
	"proton.me",
	"protonmail.com",
	"aol.com",
	"gmx.com",
	"fastmail.com",
]);

export function emailDomain(email: string): string {
	return email.trim().toLowerCase().split("@").pop() ?? "";
}

export interface DomainSuggestion {
	organization: Organization;
	domain: string;
}

/**
 * Organizations that let verified addresses of the user's email domain join ("others from acme.com
 * are in Acme"), minus the ones the user is already in.
 */
export async function suggestOrganizationsByDomain(
	context: ServiceContext,
	params: { userId: string; email: string; emailVerified: boolean },
): Promise<DomainSuggestion[]> {
	const domain = emailDomain(params.email);
	if (!params.emailVerified || !domain || publicEmailDomains.has(domain)) return [];
	const candidates = await orgsDb.listOrganizationsForJoinDomainUnscoped(context.db, domain);
	const mine = new Set(
		(await orgsDb.listOrganizationsForUser(context.db, params)).map((row) => row.organization.id),
	);
	return candidates
		.filter((organization) => !mine.has(organization.id))
		.map((organization) => ({ organization: toOrganization(organization), domain }));
}

/** Owners let people with a verified address at `domain` join as members (null turns it off). */
export async function setJoinEmailDomain(
	context: ServiceContext,
	params: { actor: Actor; domain: string | null; actorEmail: string },
): Promise<void> {
	assertCan(params.actor.role, "organization:manage_owners");
	const row = await orgsDb.findOrganizationForMember(context.db, params.actor);
	if (row?.organization.isPersonal) throw new PersonalOrganizationError("be joined by domain");
	const domain = params.domain?.trim().toLowerCase() || null;
	if (domain && (publicEmailDomains.has(domain) || domain !== emailDomain(params.actorEmail)))
		throw new DomainNotAllowedError(domain);
	const settings = await orgsDb.findOrganizationSettings(context.db, {
		organizationId: params.actor.organizationId,
	});
	await orgsDb.upsertOrganizationSettings(context.db, {
		organizationId: params.actor.organizationId,
		settings: { ...settings, joinEmailDomain: domain },
	});
}

export async function getJoinEmailDomain(
	context: ServiceContext,
	params: { organizationId: string },
): Promise<string | null> {
	const settings = await orgsDb.findOrganizationSettings(context.db, params);
	return typeof settings.joinEmailDomain === "string" ? settings.joinEmailDomain : null;
}

/** Joins an organization suggested for the user's verified email domain, as a member. */
export async function joinByEmailDomain(
	context: ServiceContext,
	params: { userId: string; email: string; emailVerified: boolean; organizationId: string },
): Promise<Organization> {
	const suggestions = await suggestOrganizationsByDomain(context, params);
	const match = suggestions.find((suggestion) => suggestion.organization.id === params.organizationId);
	if (!match) throw new DomainNotAllowedError(emailDomain(params.email));
	await orgsDb.insertMember(context.db, {
		id: generateTextId(),
		organizationId: params.organizationId,
		userId: params.userId,
		role: "member",
	});
	return match.organization;
}
