import { createReadStream, existsSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join, resolve } from "node:path";
import { artifacts } from "@proliferate/services";
import { DomainError } from "@proliferate/shared";
import { verifySandboxToken } from "@proliferate/shared/auth";
import { z } from "zod";
import { handleToolCallback } from "../tools/tool-callbacks";
import { authenticate, authorizeSession, organizationOf } from "./auth";
import { readJson, sendJson } from "./http-helpers";
import type { RouteDeps } from "./routes";

const toolCallBody = z.object({ toolCallId: z.string().min(1).max(200), args: z.unknown() });

/** `POST /sessions/:id/tools/:name`: a platform tool call from the session's sandbox (sandbox token only). */
export async function handleToolRoute(
	deps: RouteDeps,
	request: IncomingMessage,
	response: ServerResponse,
	sessionId: string,
	toolName: string,
): Promise<void> {
	const header = request.headers.authorization ?? "";
	const token = header.startsWith("Bearer ") ? header.slice(7) : "";
	if (!token || !verifySandboxToken(token, sessionId, deps.secrets.serviceSecret)) {
		throw new DomainError(
			"unauthenticated",
			"INVALID_SANDBOX_TOKEN",
			"Tool callbacks need this session's sandbox token",
		);
	}
	const hub = deps.hubs.get(sessionId);
	if (!hub)
		throw new DomainError(
			"conflict",
			"SESSION_NOT_HERE",
			"This gateway instance does not run the session; retry",
		);
	const body = await readJson(request, toolCallBody);
	const result = await handleToolCallback(
		hub,
		{ services: deps.services, artifactsDirectory: deps.artifactsDirectory },
		{
			toolName,
			toolCallId: body.toolCallId,
			args: body.args,
		},
	);
	sendJson(response, 200, { result });
}

/** `GET /sessions/:id/artifacts/:artifactId`: an artifact's bytes, for members of the session's organization. */
export async function handleArtifactDownload(
	deps: RouteDeps,
	request: IncomingMessage,
	response: ServerResponse,
	url: URL,
	sessionId: string,
	artifactId: string,
): Promise<void> {
	const principal = await authenticate(request, url, deps.secrets);
	const organizationId = organizationOf(principal, request);
	await authorizeSession(deps.services, principal, organizationId, sessionId);
	const artifact = await artifacts.getArtifact(deps.services, { organizationId, sessionId, artifactId });
	const root = resolve(deps.artifactsDirectory);
	const path = resolve(join(root, artifact.storageKey));
	if (!path.startsWith(`${root}/`) || !existsSync(path))
		throw new DomainError("not_found", "ARTIFACT_MISSING", "The artifact's file is gone");
	response.writeHead(200, {
		"content-type": artifact.contentType,
		"content-length": String(artifact.sizeBytes),
		"content-disposition": `inline; filename="${artifact.name.replace(/"/g, "")}"`,
		"x-content-type-options": "nosniff",
	});
	createReadStream(path).pipe(response);
}
