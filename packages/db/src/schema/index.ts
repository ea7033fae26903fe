export * from "./agent";
export * from "./llm";
export * from "./organizations";
export * from "./repos";
export * from "./sessions";
