/**
 * The key layout the platform's objects share: everything of one organization under `orgs/<org>/`,
 * everything of one session (artifacts, screenshots, run outputs) under its session prefix, so a
 * deleted session's objects are removed by prefix.
 */
export function organizationObjectPrefix(organizationId: string): string {
	return `orgs/${organizationId}/`;
}

export function sessionObjectPrefix(params: { organizationId: string; sessionId: string }): string {
	return `${organizationObjectPrefix(params.organizationId)}sessions/${params.sessionId}/`;
}
