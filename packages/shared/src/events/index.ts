export * from "./client-frames";
export * from "./session-events";
