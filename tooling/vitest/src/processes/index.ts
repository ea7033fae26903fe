// The platform's apps as separate processes (`node --import tsx src/main.ts`), as `make start` runs them.
export * from "./gateway";
export * from "./worker";
