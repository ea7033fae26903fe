import { describe, expect, it } from "vitest";
import { objectStoreConfigFromEnv } from "./config-from-env";

const base = { OBJECT_STORE: "local" as const, S3_REGION: "us-east-1", S3_KEY_PREFIX: "" };

describe("objectStoreConfigFromEnv", () => {
	it("keeps objects in the given directory by default", () => {
		expect(objectStoreConfigFromEnv(base, { localDirectory: "/data/objects" })).toEqual({
			kind: "local",
			directory: "/data/objects",
		});
	});

	it("builds an S3 store from the S3_* settings", () => {
		expect(
			objectStoreConfigFromEnv(
				{
					...base,
					OBJECT_STORE: "s3",
					S3_BUCKET: "artifacts",
					S3_ENDPOINT: "http://127.0.0.1:9000",
					S3_FORCE_PATH_STYLE: true,
					S3_ACCESS_KEY_ID: "id",
					S3_SECRET_ACCESS_KEY: "secret",
					S3_KEY_PREFIX: "prod/",
				},
				{ localDirectory: "/unused" },
			),
		).toEqual({
			kind: "s3",
			bucket: "artifacts",
			region: "us-east-1",
			endpoint: "http://127.0.0.1:9000",
			forcePathStyle: true,
			credentials: { accessKeyId: "id", secretAccessKey: "secret" },
			keyPrefix: "prod/",
		});
	});

	it("names the missing bucket and half-set credentials", () => {
		expect(() => objectStoreConfigFromEnv({ ...base, OBJECT_STORE: "s3" }, { localDirectory: "/x" })).toThrow(
			"S3_BUCKET is required when OBJECT_STORE=s3",
		);
		expect(() =>
			objectStoreConfigFromEnv(
				{ ...base, OBJECT_STORE: "s3", S3_BUCKET: "b", S3_ACCESS_KEY_ID: "id" },
				{ localDirectory: "/x" },
			),
		).toThrow(/S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY/);
	});
});
