/** How a client authenticates: a token (or a function returning a fresh one before each connect). */
export type GatewayAuth = { type: "token"; token: string | (() => Promise<string>) };

export async function resolveToken(auth: GatewayAuth): Promise<string> {
	return typeof auth.token === "string" ? auth.token : auth.token();
}
