/** Where tests find the machine's PostgreSQL and Redis (see scripts/ensure-services.sh). */
export const testDatabaseAdminUrl =
	process.env.TEST_DATABASE_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const testRedisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export function databaseUrlFor(name: string): string {
	const url = new URL(testDatabaseAdminUrl);
	url.pathname = `/${name}`;
	return url.toString();
}
