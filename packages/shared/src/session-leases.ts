/**
 * The Redis key of a session's ownership lease (value `instanceId|url|version`): the gateway that
 * holds it serves the session (apps/gateway/src/hub/ownership.ts); the worker's session watch and
 * sandbox sweeper read it to tell served sessions from unattended ones. One definition for both.
 */
export function sessionLeaseKey(prefix: string, sessionId: string): string {
	return `${prefix}:lease:owner:${sessionId}`;
}
