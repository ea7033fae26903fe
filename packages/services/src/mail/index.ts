import type { ServiceContext } from "../context";
import { listOutboxUnscoped } from "./db";

export * from "./templates";
export * from "./transport";

export interface OutboxMail {
	id: string;
	to: string;
	subject: string;
	text: string;
	actionUrl: string | null;
	createdAt: string;
}

/** The most recent outbox messages (local development only; every recipient). */
export async function listOutbox(
	context: ServiceContext,
	params: { to?: string; limit?: number } = {},
): Promise<OutboxMail[]> {
	const rows = await listOutboxUnscoped(context.db, {
		limit: params.limit ?? 50,
		...(params.to ? { to: params.to } : {}),
	});
	return rows.map((row) => ({
		id: row.id,
		to: row.to,
		subject: row.subject,
		text: row.text,
		actionUrl: row.actionUrl,
		createdAt: row.createdAt.toISOString(),
	}));
}
