import { startS3Server, type TestS3Server } from "@proliferate/vitest-setup/s3-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ObjectStoreUnavailableError } from "./object-store";
import { S3ObjectStore } from "./s3-store";
import { describeObjectStoreContract } from "./testing-contract";

let server: TestS3Server;
let store: S3ObjectStore;

beforeAll(async () => {
	server = await startS3Server();
	store = new S3ObjectStore({
		bucket: server.bucket,
		region: server.region,
		endpoint: server.endpoint,
		credentials: server.credentials,
		keyPrefix: "proliferate/",
	});
});

afterAll(async () => {
	store?.close();
	await server?.close();
});

describeObjectStoreContract("S3 (s3rver)", () => store);

describe("S3 specifics", () => {
	// s3rver checks a presigned URL's access key and expiry but does not recompute SigV4 signatures,
	// so tampering is not tested here (AWS, MinIO and R2 refuse it).
	it("signs a download URL a browser can fetch, with the file name, and refuses it once expired", async () => {
		await store.put("downloads/report.txt", "the report", { contentType: "text/plain" });
		const url = await store.downloadUrl("downloads/report.txt", {
			expiresInSeconds: 60,
			filename: "report final.txt",
		});
		expect(url).toContain("X-Amz-Signature=");
		const response = await fetch(url);
		expect(response.status).toBe(200);
		expect(await response.text()).toBe("the report");
		expect(response.headers.get("content-disposition")).toContain("report%20final.txt");

		const shortLived = await store.downloadUrl("downloads/report.txt", { expiresInSeconds: 1 });
		await new Promise((resolve) => setTimeout(resolve, 2100));
		expect((await fetch(shortLived)).status).toBe(403);
	});

	it("stores keys under its prefix, so one bucket can be shared", async () => {
		const other = new S3ObjectStore({
			bucket: server.bucket,
			region: server.region,
			endpoint: server.endpoint,
			credentials: server.credentials,
		});
		try {
			await store.put("shared/thing", "x");
			expect((await other.list("proliferate/shared/")).objects.map((object) => object.key)).toEqual([
				"proliferate/shared/thing",
			]);
			expect(await other.head("shared/thing")).toBeNull();
		} finally {
			other.close();
		}
	});

	it("reports unknown credentials as the server's refusal, and an unreachable server as unavailable", async () => {
		const wrong = new S3ObjectStore({
			bucket: server.bucket,
			region: server.region,
			endpoint: server.endpoint,
			credentials: { accessKeyId: "NOT-AN-ACCOUNT", secretAccessKey: "not-the-secret" },
		});
		const gone = new S3ObjectStore({
			bucket: server.bucket,
			region: server.region,
			endpoint: "http://127.0.0.1:9",
			credentials: server.credentials,
		});
		try {
			await expect(wrong.put("x/y", "z")).rejects.toMatchObject({ name: "InvalidAccessKeyId" });
			await expect(gone.head("x/y")).rejects.toBeInstanceOf(ObjectStoreUnavailableError);
		} finally {
			wrong.close();
			gone.close();
		}
	});
});
