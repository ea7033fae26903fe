export * from "./errors";
export * from "./events/index";
export * from "./sandbox/index";
export * from "./session-leases";
export * from "./timeout";
