/** The organization a procedure acts for: always the caller's active one (never from input). */
export function orpcScope(context: { organization: { id: string } }): { organizationId: string } {
	return { organizationId: context.organization.id };
}
