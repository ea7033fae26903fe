import type { Logger } from "@proliferate/logger";
import { createTransport } from "nodemailer";
import type { ServiceContext } from "../context";
import { generateTextId } from "../ids";
import { insertOutboxMail } from "./db";

export interface MailMessage {
	to: string;
	subject: string;
	text: string;
	html?: string;
	/** The main link of the message (verification, invitation). */
	actionUrl?: string;
}

/** Where outgoing email goes. The local default is the outbox; SMTP when configured. */
export interface MailTransport {
	readonly kind: "outbox" | "smtp";
	send(message: MailMessage): Promise<void>;
}

/** Records every message in the `mail_outbox` table (viewable at /dev/outbox) and logs its link. */
export function createOutboxTransport(context: ServiceContext, logger?: Logger): MailTransport {
	return {
		kind: "outbox",
		async send(message) {
			await insertOutboxMail(context.db, {
				id: generateTextId(),
				to: message.to.toLowerCase(),
				subject: message.subject,
				text: message.text,
				html: message.html ?? null,
				actionUrl: message.actionUrl ?? null,
			});
			logger?.info(
				{ to: message.to, subject: message.subject, link: message.actionUrl },
				"email written to the local outbox",
			);
		},
	};
}

/** Sends through SMTP (nodemailer); `smtpUrl` is smtp(s)://user:pass@host:port. */
export function createSmtpTransport(
	options: { smtpUrl: string; from: string },
	logger?: Logger,
): MailTransport {
	const transporter = createTransport(options.smtpUrl);
	return {
		kind: "smtp",
		async send(message) {
			await transporter.sendMail({
				from: options.from,
				to: message.to,
				subject: message.subject,
				text: message.text,
				...(message.html ? { html: message.html } : {}),
			});
			logger?.info({ to: message.to, subject: message.subject }, "email sent over SMTP");
		},
	};
}

export function createMailTransport(
	context: ServiceContext,
	options: { smtpUrl?: string | undefined; from: string },
	logger?: Logger,
): MailTransport {
	return options.smtpUrl
		? createSmtpTransport({ smtpUrl: options.smtpUrl, from: options.from }, logger)
		: createOutboxTransport(context, logger);
}
