export * from "./coordination/lease-keys";
export * from "./errors";
export * from "./events/index";
export * from "./sandbox/index";
export * from "./timeout";
