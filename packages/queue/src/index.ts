export * from "./catalog";
export * from "./operations";
export * from "./queues";
