import type { IncomingMessage, ServerResponse } from "node:http";
import { parseInput, readJson, sendError, sendJson } from "@proliferate/http-kit";
import type { Logger } from "@proliferate/logger";
import { llm, type ServiceContext } from "@proliferate/services";
import { verifyGatewayToken } from "@proliferate/shared/auth";
import { z } from "zod";
import type { KeyCache } from "../keys/key-cache";
import type { SpendMeter } from "../spend/spend-meter";
import { bodyReading, ProxyError, statusOf } from "./vendor-errors";

export interface InternalApiDeps {
	services: ServiceContext;
	keys: KeyCache;
	spend: SpendMeter;
	logger: Logger;
	/** Service tokens for this API are HS256 JWTs signed with this secret (see signServiceToken). */
	adminSecret: string;
}

const mintSchema = z.strictObject({
	organizationId: z.string().min(1),
	sessionId: z.string().min(1).nullish(),
	name: z.string().min(1).max(200).optional(),
	ttlSeconds: z
		.number()
		.int()
		.positive()
		.max(365 * 24 * 3600)
		.nullish(),
	allowedModels: z.array(z.string().min(1)).max(500).nullish(),
	budgetUsd: z.number().min(0).nullish(),
});

const revokeSchema = z
	.strictObject({
		organizationId: z.string().min(1),
		keyId: z.string().min(1).optional(),
		sessionId: z.string().min(1).optional(),
	})
	.refine(
		(value) => Boolean(value.keyId) !== Boolean(value.sessionId),
		"give exactly one of keyId and sessionId",
	);

const spendQuerySchema = z.object({
	cursor: z.coerce.number().int().min(0).default(0),
	limit: z.coerce.number().int().min(1).max(5000).default(500),
	organizationId: z.string().min(1).optional(),
	sessionId: z.string().min(1).optional(),
	flush: z.enum(["true", "false"]).optional(),
});

const budgetSchema = z.strictObject({ monthlyBudgetUsd: z.number().min(0).nullable() });

/** Internal-API bodies are small: 64 KiB at most (drained, then refused with a 413, as on /v1). */
const internalBody = { ...bodyReading, limitBytes: 64 * 1024 };

async function authorize(deps: InternalApiDeps, request: IncomingMessage): Promise<void> {
	const header = request.headers.authorization;
	if (!header?.startsWith("Bearer "))
		throw new ProxyError("unauthenticated", "MISSING_TOKEN", "The internal API needs a service token");
	const principal = await verifyGatewayToken(header.slice(7), {
		userSecret: deps.adminSecret,
		serviceSecret: deps.adminSecret,
	});
	if (principal.kind !== "service")
		throw new ProxyError(
			"forbidden",
			"SERVICE_TOKEN_REQUIRED",
			"The internal API accepts service tokens only",
		);
}

/**
 * The platform's side door (`/internal/*`): mint and revoke virtual keys, read spend after a
 * cursor, set organization budgets. Every call carries a service token signed with the admin secret.
 */
export async function handleInternal(
	deps: InternalApiDeps,
	request: IncomingMessage,
	response: ServerResponse,
	url: URL,
): Promise<void> {
	try {
		await authorize(deps, request);
		const method = request.method ?? "GET";
		const path = url.pathname;
		if (method === "POST" && path === "/internal/keys") {
			const input = await readJson(request, mintSchema, internalBody);
			const minted = await llm.mintVirtualKey(deps.services, {
				organizationId: input.organizationId,
				sessionId: input.sessionId ?? null,
				...(input.name ? { name: input.name } : {}),
				ttlSeconds: input.ttlSeconds ?? null,
				allowedModels: input.allowedModels ?? null,
				budgetUsd: input.budgetUsd ?? null,
			});
			deps.logger.info(
				{ keyId: minted.virtualKey.id, organizationId: input.organizationId, sessionId: input.sessionId },
				"virtual key minted",
			);
			return sendJson(response, 201, minted);
		}
		if (method === "POST" && path === "/internal/keys/revoke") {
			const input = await readJson(request, revokeSchema, internalBody);
			const result = await llm.revokeVirtualKeys(deps.services, input);
			await deps.keys.invalidateKeys(result.keyHashes);
			for (const key of result.revoked) deps.spend.forget(key.id);
			deps.logger.info(
				{ organizationId: input.organizationId, revoked: result.revoked.length },
				"virtual keys revoked",
			);
			return sendJson(response, 200, { revoked: result.revoked });
		}
		if (method === "GET" && path === "/internal/spend") {
			const query = parseInput(spendQuerySchema, Object.fromEntries(url.searchParams));
			if (query.flush === "true") await deps.spend.flush();
			const result = await llm.listSpendSince(deps.services, {
				cursor: query.cursor,
				limit: query.limit,
				...(query.organizationId ? { organizationId: query.organizationId } : {}),
				...(query.sessionId ? { sessionId: query.sessionId } : {}),
			});
			return sendJson(response, 200, result);
		}
		const budgetPath = /^\/internal\/organizations\/([^/]+)\/budget$/.exec(path);
		if (method === "PUT" && budgetPath?.[1]) {
			const organizationId = decodeURIComponent(budgetPath[1]);
			const input = await readJson(request, budgetSchema, internalBody);
			await llm.setOrganizationBudget(deps.services, {
				organizationId,
				monthlyBudgetUsd: input.monthlyBudgetUsd,
			});
			await deps.keys.publish({ type: "organization-budget", organizationId });
			return sendJson(response, 200, { organizationId, monthlyBudgetUsd: input.monthlyBudgetUsd });
		}
		throw new ProxyError("not_found", "ROUTE_NOT_FOUND", `No route for ${method} ${path}`);
	} catch (error) {
		sendError(response, error, { logger: deps.logger, logMessage: "internal API call failed", statusOf });
	}
}
