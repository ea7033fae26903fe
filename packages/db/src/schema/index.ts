export * from "./agent";
export * from "./organizations";
export * from "./repos";
export * from "./sessions";
export * from "./warm-pool";
