export * from "./errors";
export * from "./provider";
