export type { ModalClientLike, ModalProcessLike, ModalSandboxLike } from "./modal-client";
export { type ModalProviderConfig, ModalSandboxProvider } from "./modal-provider";
