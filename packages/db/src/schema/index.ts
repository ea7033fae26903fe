export * from "./agent";
export * from "./auth";
export * from "./organizations";
export * from "./repos";
export * from "./sessions";
