export { InvalidOutboxPayloadError, OutboxRowNotFoundError, UnknownOutboxKindError } from "./errors";
export type { OutboxEntry } from "./mapper";
export * from "./service";
