/**
 * Redis key names more than one process reads. The gateway holds a session's ownership lease at
 * `sessionOwnerLeaseKey` (apps/gateway/src/hub/ownership.ts); the worker's sandbox sweeper and
 * session watch leave a session alone while anybody holds it. One definition, so the two cannot drift apart.
 */

/** `<prefix>:lease:owner:<sessionId>`: value `instanceId|url|version` while a gateway owns the session. */
export function sessionOwnerLeaseKey(prefix: string, sessionId: string): string {
	return `${prefix}:lease:owner:${sessionId}`;
}

/** `<prefix>:lease:version:<sessionId>`: the counter each new lease takes its version from. */
export function sessionLeaseVersionKey(prefix: string, sessionId: string): string {
	return `${prefix}:lease:version:${sessionId}`;
}
