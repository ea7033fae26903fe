import type { MailMessage } from "./transport";

const escapeHtml = (value: string) =>
	value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

function layout(heading: string, body: string, action: { label: string; url: string }): string {
	return `<div style="font-family:system-ui,sans-serif;max-width:480px;margin:0 auto;padding:24px">
<h2 style="margin:0 0 12px">${escapeHtml(heading)}</h2>
<p style="line-height:1.5">${escapeHtml(body)}</p>
<p><a href="${escapeHtml(action.url)}" style="display:inline-block;padding:10px 16px;background:#111;color:#fff;border-radius:6px;text-decoration:none">${escapeHtml(action.label)}</a></p>
<p style="color:#666;font-size:12px">Or open ${escapeHtml(action.url)}</p></div>`;
}

export function verificationEmail(params: { to: string; name: string; url: string }): MailMessage {
	const body = `Hi ${params.name}, confirm your email address to finish setting up your Proliferate account.`;
	return {
		to: params.to,
		subject: "Verify your email for Proliferate",
		text: `${body}\n\n${params.url}\n`,
		html: layout("Verify your email", body, { label: "Verify email", url: params.url }),
		actionUrl: params.url,
	};
}

export function invitationEmail(params: {
	to: string;
	inviterName: string;
	organizationName: string;
	url: string;
}): MailMessage {
	const body = `${params.inviterName} invited you to join ${params.organizationName} on Proliferate.`;
	return {
		to: params.to,
		subject: `Join ${params.organizationName} on Proliferate`,
		text: `${body}\n\nAccept or decline: ${params.url}\n`,
		html: layout(`Join ${params.organizationName}`, body, { label: "View invitation", url: params.url }),
		actionUrl: params.url,
	};
}

export function passwordResetEmail(params: { to: string; url: string }): MailMessage {
	const body =
		"Someone asked to reset the password of your Proliferate account. Ignore this if it was not you.";
	return {
		to: params.to,
		subject: "Reset your Proliferate password",
		text: `${body}\n\n${params.url}\n`,
		html: layout("Reset your password", body, { label: "Reset password", url: params.url }),
		actionUrl: params.url,
	};
}
