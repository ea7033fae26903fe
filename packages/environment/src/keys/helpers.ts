import { z } from "zod";

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
/** A whole number of at least `min` (1 by default). */
export const count = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);
export const booleanFlag = (fallback: boolean) =>
	z
		.enum(["true", "false", "1", "0", "yes", "no"])
		.default(fallback ? "true" : "false")
		.transform((value) => value === "true" || value === "1" || value === "yes");
export const secret = (minLength = 32) =>
	z
		.string()
		.min(minLength, `must be at least ${minLength} characters (generate one with: openssl rand -hex 32)`);
export const urlWithProtocols = (protocols: string[]) =>
	z.string().refine(
		(value) => {
			try {
				const parsed = new URL(value);
				return protocols.includes(parsed.protocol.replace(/:$/, ""));
			} catch {
				return false;
			}
		},
		`must be a URL starting with ${protocols.map((protocol) => `${protocol}://`).join(" or ")}`,
	);
export const httpUrl = () => urlWithProtocols(["http", "https"]);
