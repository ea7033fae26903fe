export { BodyTooLargeError, type ReadBodyOptions, readBody } from "./body";
export {
	type ErrorLogger,
	internalErrorBody,
	type SendErrorOptions,
	sendError,
	statusOfKind,
} from "./errors";
export {
	InvalidJsonError,
	InvalidRequestInputError,
	parseInput,
	type ReadJsonOptions,
	readJson,
} from "./json-body";
export { sendJson } from "./response";
