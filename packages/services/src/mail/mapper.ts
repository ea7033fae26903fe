import type { OutboxRow } from "./db";

export interface OutboxMail {
	id: string;
	to: string;
	subject: string;
	text: string;
	actionUrl: string | null;
	createdAt: string;
}

export function toOutboxMail(row: OutboxRow): OutboxMail {
	return {
		id: row.id,
		to: row.to,
		subject: row.subject,
		text: row.text,
		actionUrl: row.actionUrl,
		createdAt: row.createdAt.toISOString(),
	};
}
