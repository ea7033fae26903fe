export * from "./agent";
export * from "./integrations";
export * from "./llm";
export * from "./organizations";
export * from "./repos";
export * from "./sessions";
export * from "./warm-pool";
