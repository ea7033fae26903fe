import type { ServiceContext } from "../context";
import { listOutboxUnscoped } from "./db";
import { type OutboxMail, toOutboxMail } from "./mapper";

/** The most recent outbox messages (local development only; every recipient). */
export async function listOutbox(
	context: ServiceContext,
	params: { to?: string; limit?: number } = {},
): Promise<OutboxMail[]> {
	const rows = await listOutboxUnscoped(context.db, {
		limit: params.limit ?? 50,
		...(params.to ? { to: params.to } : {}),
	});
	return rows.map(toOutboxMail);
}
