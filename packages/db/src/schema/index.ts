export * from "./agent";
export * from "./auth";
export * from "./integrations";
export * from "./llm";
export * from "./organizations";
export * from "./repos";
export * from "./sessions";
export * from "./warm-pool";
