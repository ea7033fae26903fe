/// <reference path="./s3rver.d.ts" />
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";

/** A real S3-compatible server (s3rver: SigV4 auth, XML API, presigned URLs) on a free local port. */
export interface TestS3Server {
	endpoint: string;
	bucket: string;
	region: string;
	/** s3rver's built-in account. */
	credentials: { accessKeyId: string; secretAccessKey: string };
	close(): Promise<void>;
}

export async function startS3Server(options: { bucket?: string } = {}): Promise<TestS3Server> {
	const bucket = options.bucket ?? "proliferate-test";
	const directory = mkdtempSync(join(tmpdir(), "proliferate-s3-"));
	const server = new S3rver({
		address: "127.0.0.1",
		port: 0,
		silent: true,
		directory,
		// Path-style URLs only: a virtual-host bucket would need DNS for <bucket>.127.0.0.1.
		vhostBuckets: false,
		configureBuckets: [{ name: bucket }],
	});
	const address = (await server.run()) as AddressInfo;
	return {
		endpoint: `http://127.0.0.1:${address.port}`,
		bucket,
		region: "us-east-1",
		credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
		async close() {
			await server.close();
			rmSync(directory, { recursive: true, force: true });
		},
	};
}
