import type { IncomingMessage, ServerResponse } from "node:http";

export function send(
	response: ServerResponse,
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
): void {
	response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
	response.end(JSON.stringify(body));
}

/** A JSON or form-encoded body (`{}` when empty). */
export async function readBody(request: IncomingMessage): Promise<Record<string, string>> {
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(chunk as Buffer);
	const text = Buffer.concat(chunks).toString();
	if (!text) return {};
	if ((request.headers["content-type"] ?? "").includes("application/x-www-form-urlencoded")) {
		return Object.fromEntries(new URLSearchParams(text));
	}
	return JSON.parse(text) as Record<string, string>;
}

/** One page of `items` as GitHub pages lists (`per_page` up to 100, `page` from 1), with its Link header. */
export function page<T>(
	items: T[],
	path: URL,
	baseUrl: string,
): { items: T[]; headers: Record<string, string> } {
	const perPage = Math.min(Math.max(Number(path.searchParams.get("per_page") ?? 30) || 30, 1), 100);
	const current = Math.max(Number(path.searchParams.get("page") ?? 1) || 1, 1);
	const last = Math.max(Math.ceil(items.length / perPage), 1);
	const link = (target: number) => {
		const next = new URL(`${baseUrl}${path.pathname}`);
		next.searchParams.set("per_page", String(perPage));
		next.searchParams.set("page", String(target));
		return next.toString();
	};
	const links = [
		...(current < last ? [`<${link(current + 1)}>; rel="next"`, `<${link(last)}>; rel="last"`] : []),
		...(current > 1 ? [`<${link(current - 1)}>; rel="prev"`, `<${link(1)}>; rel="first"`] : []),
	];
	return {
		items: items.slice((current - 1) * perPage, current * perPage),
		headers: links.length ? { link: links.join(", ") } : {},
	};
}
