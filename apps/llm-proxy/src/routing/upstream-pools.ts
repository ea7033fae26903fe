import { Pool } from "undici";

/** One keep-alive connection pool per upstream origin, shared by every deployment on it. */
export class UpstreamPools {
	private readonly pools = new Map<string, Pool>();

	constructor(private readonly connectionsPerOrigin = 256) {}

	get(origin: string): Pool {
		let pool = this.pools.get(origin);
		if (!pool) {
			pool = new Pool(origin, {
				connections: this.connectionsPerOrigin,
				pipelining: 1,
				keepAliveTimeout: 30_000,
				keepAliveMaxTimeout: 300_000,
				connect: { timeout: 10_000 },
			});
			this.pools.set(origin, pool);
		}
		return pool;
	}

	async close(): Promise<void> {
		await Promise.all([...this.pools.values()].map((pool) => pool.destroy()));
		this.pools.clear();
	}
}
