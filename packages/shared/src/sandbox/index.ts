export * from "./errors";
export * from "./mcp-protocol";
export * from "./provider";
