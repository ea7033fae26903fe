export * from "drizzle-orm";
export * from "./client";
export { migrationsFolder, runMigrations } from "./migrate";
export * as schema from "./schema/index";
