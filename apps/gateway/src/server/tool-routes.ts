import type { Logger } from "@proliferate/logger";
import type { ServiceContext } from "@proliferate/services";
import { DomainError } from "@proliferate/shared";
import type { ObjectStore } from "@proliferate/storage";
import { z } from "zod";
import { sendArtifact } from "../artifacts/artifact-storage";
import { readJson, sendJson } from "../http/responses";
import type { HttpRoute } from "../http/routing";
import type { HubManager } from "../hub/hub-manager";
import { handleToolCallback } from "../tools/tool-callbacks";

export interface ToolRouteDeps {
	services: ServiceContext;
	hubs: HubManager;
	objectStore: ObjectStore;
	logger: Logger;
}

const toolCallBody = z.object({ toolCallId: z.string().min(1).max(200), args: z.unknown() });

/**
 * `POST /sessions/:id/tools/:name`: a platform tool call from the session's sandbox (sandbox token
 * only); `GET /sessions/:id/artifacts/:artifactId`: an artifact's bytes, for members of the
 * session's organization (a redirect to a presigned URL on S3, else streamed).
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
					{ services: deps.services, objectStore: deps.objectStore },
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
				await sendArtifact(deps, response, {
					organizationId,
					sessionId,
					artifactId: decodeURIComponent(params.artifactId ?? ""),
				});
			},
		},
	];
}
