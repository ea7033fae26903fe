import { randomBytes } from "node:crypto";
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import { DomainError, type ErrorKind } from "@proliferate/shared";
import type { LlmProtocol } from "../routing/catalog";

/** An error the proxy itself answers with (not one passed through from an upstream). */
export class ProxyError extends DomainError {}

export const proxyErrors = {
	/** The hint names the header each vendor's clients send. */
	missingKey: (protocol: LlmProtocol) =>
		new ProxyError(
			"unauthenticated",
			"MISSING_API_KEY",
			protocol === "anthropic"
				? "No API key: send `x-api-key: <key>`"
				: "No API key: send `Authorization: Bearer <key>`",
		),
	invalidJson: (detail: string) =>
		new ProxyError("invalid_input", "INVALID_JSON", `Invalid JSON body: ${detail}`),
	invalidBody: (detail: string) => new ProxyError("invalid_input", "INVALID_REQUEST", detail),
	bodyTooLarge: (limit: number) =>
		new ProxyError("invalid_input", "REQUEST_TOO_LARGE", `The request body is larger than ${limit} bytes`, {
			status: 413,
		}),
	unknownModel: (model: string) =>
		new ProxyError("not_found", "MODEL_NOT_FOUND", `The model ${model} does not exist`, { model }),
	wrongProtocol: (model: string, endpoint: string) =>
		new ProxyError(
			"invalid_input",
			"MODEL_PROTOCOL_MISMATCH",
			`The model ${model} is not served over this API; use ${endpoint} (the proxy does not translate between the OpenAI and Anthropic protocols)`,
			{ model, endpoint },
		),
	/** Generic on purpose: which deployments failed, and how, goes to the log under the request id. */
	upstreamFailed: () =>
		new ProxyError("unavailable", "UPSTREAM_FAILED", "Every upstream for this model failed", {
			status: 502,
		}),
	notFound: (method: string, path: string) =>
		new ProxyError("not_found", "ROUTE_NOT_FOUND", `No route for ${method} ${path}`),
};

/**
 * How the proxy reads bodies (`readBody` of http-kit): oversized ones are drained up to 64 MiB, so
 * the client reads the 413 instead of a reset connection; one object, shared by every request.
 */
export const bodyReading = {
	drainLimitBytes: 64 * 1024 * 1024,
	tooLarge: proxyErrors.bodyTooLarge,
} as const;

export function statusOf(error: DomainError): number {
	const explicit = error.details?.status;
	return typeof explicit === "number" ? explicit : error.httpStatus;
}

const openaiTypes: Partial<Record<ErrorKind, string>> = {
	unauthenticated: "invalid_request_error",
	rate_limited: "insufficient_quota",
	payment_required: "insufficient_quota",
	unavailable: "server_error",
	internal: "server_error",
	timeout: "server_error",
};

const anthropicTypes: Partial<Record<ErrorKind, string>> = {
	invalid_input: "invalid_request_error",
	unauthenticated: "authentication_error",
	forbidden: "permission_error",
	not_found: "not_found_error",
	rate_limited: "rate_limit_error",
	payment_required: "billing_error",
	unavailable: "api_error",
	internal: "api_error",
	timeout: "api_error",
};

/** The error body each vendor's SDKs parse: OpenAI `{error:{message,type,param,code}}`, Anthropic `{type:"error",error:{type,message}}`. */
export function vendorErrorBody(protocol: LlmProtocol, error: DomainError): Record<string, unknown> {
	if (protocol === "anthropic") {
		const type =
			error.code === "REQUEST_TOO_LARGE" ? "request_too_large" : (anthropicTypes[error.kind] ?? "api_error");
		return { type: "error", error: { type, message: error.message } };
	}
	return {
		error: {
			message: error.message,
			type: openaiTypes[error.kind] ?? "invalid_request_error",
			param: null,
			code: error.code.toLowerCase(),
		},
	};
}

const requestIdPrefix = randomBytes(4).toString("hex");
let requestCounter = 0;

/** An id for a request the proxy answers itself: unique per instance, cheap (no randomness per request). */
export function newRequestId(): string {
	requestCounter += 1;
	return `req_prx_${requestIdPrefix}${requestCounter.toString(36).padStart(8, "0")}`;
}

/** Budget errors are final: the vendors' SDKs retry 429s unless told not to. */
const finalCodes = new Set(["KEY_BUDGET_EXCEEDED", "ORGANIZATION_BUDGET_EXCEEDED"]);

/**
 * Answers a proxy-made error in the calling protocol's format. 5xx answers carry a request id (header
 * `x-request-id` and in the message) and a generic message; the caller logs the details under that id.
 */
export function sendVendorError(
	response: ServerResponse,
	protocol: LlmProtocol,
	error: DomainError,
	requestId?: string,
): void {
	if (response.headersSent) {
		response.destroy();
		return;
	}
	const status = statusOf(error);
	const headers: OutgoingHttpHeaders = { "content-type": "application/json" };
	let answered = error;
	if (status >= 500) {
		const id = requestId ?? newRequestId();
		headers["x-request-id"] = id;
		answered = new ProxyError(error.kind, error.code, `${error.message} (request id ${id})`, {
			status,
		});
	}
	if (finalCodes.has(error.code)) headers["x-should-retry"] = "false";
	const body = JSON.stringify(vendorErrorBody(protocol, answered));
	headers["content-length"] = Buffer.byteLength(body);
	response.writeHead(status, headers);
	response.end(body);
}
