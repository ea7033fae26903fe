import type { OutboxRow } from "./db";

/** An outbox row as the operations view shows it. */
export interface OutboxEntry {
	id: string;
	kind: string;
	organizationId: string | null;
	status: OutboxRow["status"];
	attempts: number;
	maxAttempts: number;
	lastError: string | null;
	createdAt: Date;
	availableAt: Date;
	dispatchedAt: Date | null;
}

export function toOutboxEntry(row: OutboxRow): OutboxEntry {
	return {
		id: row.id,
		kind: row.kind,
		organizationId: row.organizationId,
		status: row.status,
		attempts: row.attempts,
		maxAttempts: row.maxAttempts,
		lastError: row.lastError,
		createdAt: row.createdAt,
		availableAt: row.availableAt,
		dispatchedAt: row.dispatchedAt,
	};
}
