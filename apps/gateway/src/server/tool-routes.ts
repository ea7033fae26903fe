import { createReadStream, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { artifacts, type ServiceContext } from "@proliferate/services";
import { DomainError } from "@proliferate/shared";
import { z } from "zod";
import { readJson, sendJson } from "../http/responses";
import type { HttpRoute } from "../http/routing";
import type { HubManager } from "../hub/hub-manager";
import { handleToolCallback } from "../tools/tool-callbacks";

export interface ToolRouteDeps {
	services: ServiceContext;
	hubs: HubManager;
	artifactsDirectory: string;
}

const toolCallBody = z.object({ toolCallId: z.string().min(1).max(200), args: z.unknown() });

/**
 * `POST /sessions/:id/tools/:name`: a platform tool call from the session's sandbox (sandbox token
 * only); `GET /sessions/:id/artifacts/:artifactId`: an artifact's bytes, for members of the
 * session's organization.
 */
export function toolRoutes(deps: ToolRouteDeps): HttpRoute[] {
	return [
		{
			method: "POST",
			path: /^\/sessions\/(?<sessionId>[^/]+)\/tools\/(?<toolName>[a-z_]+)$/,
			access: "sandbox",
			handle: async ({ request, response, params, sessionId }) => {
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
						toolName: params.toolName ?? "",
						toolCallId: body.toolCallId,
						args: body.args,
					},
				);
				sendJson(response, 200, { result });
			},
		},
		{
			method: "GET",
			path: /^\/sessions\/(?<sessionId>[^/]+)\/artifacts\/(?<artifactId>[^/]+)$/,
			access: "session",
			handle: async ({ response, params, sessionId, organizationId }) => {
				const artifactId = decodeURIComponent(params.artifactId ?? "");
				const artifact = await artifacts.getArtifact(deps.services, {
					organizationId,
					sessionId,
					artifactId,
				});
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
			},
		},
	];
}
