import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSilentLogger } from "@proliferate/logger";
import { artifacts, sessions } from "@proliferate/services";
import { signUserToken } from "@proliferate/shared/auth";
import { LocalDirectoryObjectStore, S3ObjectStore } from "@proliferate/storage";
import { startS3Server, type TestS3Server } from "@proliferate/vitest-setup/s3-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type TestPlatform } from "../testing/platform";
import { contentDisposition } from "./artifact-keys";
import { saveArtifact, sendArtifact } from "./artifact-storage";
import { migrateLegacyArtifacts } from "./legacy-artifacts";

/**
 * Artifacts on a real gateway whose object store is S3 (s3rver): saved as the verify tool saves
 * them, downloaded by the organization's members through a 302 to a presigned URL.
 */
let s3: TestS3Server;
let store: S3ObjectStore;
let platform: TestPlatform;
let root: string;
let sessionId: string;
let otherSessionId: string;
let otherToken: string;

beforeAll(async () => {
	s3 = await startS3Server();
	store = new S3ObjectStore({
		bucket: s3.bucket,
		region: s3.region,
		endpoint: s3.endpoint,
		credentials: s3.credentials,
		keyPrefix: "proliferate/",
	});
	platform = await createTestPlatform({ objectStore: store });
	root = mkdtempSync(join(tmpdir(), "artifacts-test-"));
	sessionId = (await sessions.createSession(platform.services, { organizationId: platform.organizationId }))
		.id;
	otherSessionId = (
		await sessions.createSession(platform.services, { organizationId: platform.otherOrganizationId })
	).id;
	otherToken = await signUserToken(
		{ userId: "eve", organizationId: platform.otherOrganizationId },
		platform.secrets.userSecret,
	);
}, 120_000);

afterAll(async () => {
	await platform?.close();
	store?.close();
	await s3?.close();
	if (root) rmSync(root, { recursive: true, force: true });
});

const deps = () => ({ services: platform.services, objectStore: store });
const png = Buffer.concat([Buffer.from([0x89]), Buffer.from("PNG\r\n\x1a\n"), Buffer.alloc(2048, 7)]);

async function download(session: string, artifactId: string, token?: string): Promise<Response> {
	return fetch(`${platform.gateway.url}/sessions/${session}/artifacts/${artifactId}`, {
		headers: { authorization: `Bearer ${token ?? (await platform.userToken())}` },
		redirect: "manual",
	});
}

describe("artifacts on the S3 object store", () => {
	it("stores the bytes under the artifact's key and redirects members to a presigned URL with the same bytes", async () => {
		const artifact = await saveArtifact(deps(), {
			organizationId: platform.organizationId,
			sessionId,
			toolCallId: "call-1",
			name: "screenshot.png",
			content: png,
			contentType: "image/png",
			kind: "screenshot",
		});
		expect(artifact.storageKey).toBe(
			`orgs/${platform.organizationId}/sessions/${sessionId}/artifacts/${artifact.id}/screenshot.png`,
		);
		expect(await store.head(artifact.storageKey)).toMatchObject({
			size: png.length,
			contentType: "image/png",
		});

		const response = await download(sessionId, artifact.id);
		expect(response.status).toBe(302);
		const location = response.headers.get("location") ?? "";
		expect(location.startsWith(`${s3.endpoint}/${s3.bucket}/proliferate/orgs/`)).toBe(true);
		expect(location).toContain("X-Amz-Expires=300");
		const object = await fetch(location);
		expect(object.status).toBe(200);
		expect(object.headers.get("content-type")).toBe("image/png");
		expect(object.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''screenshot.png");
		expect(Buffer.from(await object.arrayBuffer()).equals(png)).toBe(true);

		// A retried tool call keeps the first artifact and leaves no second object behind.
		const retried = await saveArtifact(deps(), {
			organizationId: platform.organizationId,
			sessionId,
			toolCallId: "call-1",
			name: "screenshot.png",
			content: png,
			contentType: "image/png",
			kind: "screenshot",
		});
		expect(retried.id).toBe(artifact.id);
		const listed = await store.list(`orgs/${platform.organizationId}/sessions/${sessionId}/`);
		expect(listed.objects.map((entry) => entry.key)).toEqual([artifact.storageKey]);
	});

	it("answers 404 for another organization's artifact, a missing row and a missing object", async () => {
		const theirs = await saveArtifact(deps(), {
			organizationId: platform.otherOrganizationId,
			sessionId: otherSessionId,
			toolCallId: "call-2",
			name: "secret.txt",
			content: Buffer.from("theirs"),
			contentType: "text/plain",
			kind: "log",
		});
		expect((await download(otherSessionId, theirs.id, otherToken)).status).toBe(302);
		// Their artifact through our session, and their session with our token: both not found.
		expect((await download(sessionId, theirs.id)).status).toBe(404);
		expect((await download(otherSessionId, theirs.id)).status).toBe(404);
		expect((await download(sessionId, "00000000-0000-4000-8000-000000000000")).status).toBe(404);
		expect((await download(sessionId, "not-a-uuid")).status).toBe(404);

		const gone = await saveArtifact(deps(), {
			organizationId: platform.organizationId,
			sessionId,
			toolCallId: "call-3",
			name: "gone.txt",
			content: Buffer.from("soon gone"),
			contentType: "text/plain",
			kind: "log",
		});
		await store.delete(gone.storageKey);
		const missing = await download(sessionId, gone.id);
		expect(missing.status).toBe(404);
		expect(await missing.json()).toMatchObject({ error: { code: "ARTIFACT_MISSING" } });
	});

	it("stores hostile file names under a safe key and still serves the original name, safely quoted", async () => {
		const name = "../../etc/passwd";
		const traversal = await saveArtifact(deps(), {
			organizationId: platform.organizationId,
			sessionId,
			toolCallId: "call-4",
			name,
			content: Buffer.from("root:x:0:0"),
			contentType: "application/octet-stream",
			kind: "file",
		});
		expect(traversal.storageKey.endsWith(`/artifacts/${traversal.id}/etc_passwd`)).toBe(true);
		expect(traversal.name).toBe(name);
		const location = (await download(sessionId, traversal.id)).headers.get("location") ?? "";
		const object = await fetch(location);
		expect(object.headers.get("content-disposition")).toBe(
			`attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
		);
		expect(await object.text()).toBe("root:x:0:0");

		// Through the local store the gateway streams the bytes itself, with the same quoting.
		const unicode = 'rapport "été"\u0000 日本.txt';
		const local = new LocalDirectoryObjectStore(join(root, "objects"));
		const localDeps = { services: platform.services, objectStore: local };
		const saved = await saveArtifact(localDeps, {
			organizationId: platform.organizationId,
			sessionId,
			toolCallId: "call-5",
			name: unicode,
			content: Buffer.from("bonjour"),
			contentType: "text/plain",
			kind: "log",
		});
		expect(saved.storageKey.endsWith(`/artifacts/${saved.id}/rapport_ete_.txt`)).toBe(true);
		// PostgreSQL cannot store NUL: the display name keeps everything else.
		const displayName = 'rapport "été"\uFFFD 日本.txt';
		expect(saved.name).toBe(displayName);
		const server: Server = createServer((_request, response) => {
			void sendArtifact({ ...localDeps, logger: createSilentLogger() }, response, {
				organizationId: platform.organizationId,
				sessionId,
				artifactId: saved.id,
			});
		});
		await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
		try {
			const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
			expect(response.status).toBe(200);
			expect(response.headers.get("content-disposition")).toBe(contentDisposition(displayName));
			expect(response.headers.get("content-disposition")).toBe(
				`inline; filename="rapport __t___ __.txt"; filename*=UTF-8''${encodeURIComponent(displayName)}`,
			);
			expect(response.headers.get("x-content-type-options")).toBe("nosniff");
			expect(response.headers.get("content-length")).toBe("7");
			expect(await response.text()).toBe("bonjour");
		} finally {
			await new Promise((resolve) => server.close(resolve));
		}
	});

	it("moves artifacts saved under the old directory onto the store once, and they download again", async () => {
		const legacyDirectory = join(root, "artifacts");
		const oldKey = join(platform.organizationId, sessionId, "call-6-report.txt");
		mkdirSync(join(legacyDirectory, platform.organizationId, sessionId), { recursive: true });
		writeFileSync(join(legacyDirectory, oldKey), "legacy report");
		const legacy = await artifacts.recordArtifact(platform.services, {
			organizationId: platform.organizationId,
			sessionId,
			toolCallId: "call-6",
			name: "report.txt",
			contentType: "text/plain",
			sizeBytes: 13,
			storageKey: oldKey,
			kind: "log",
		});
		const lost = await artifacts.recordArtifact(platform.services, {
			organizationId: platform.organizationId,
			sessionId,
			toolCallId: "call-7",
			name: "lost.txt",
			contentType: "text/plain",
			sizeBytes: 4,
			storageKey: join(platform.organizationId, sessionId, "call-7-lost.txt"),
			kind: "log",
		});
		const migrate = () =>
			migrateLegacyArtifacts({ ...deps(), legacyDirectory, logger: createSilentLogger() });
		expect((await download(sessionId, legacy.id)).status).toBe(404);

		expect(await migrate()).toEqual({ moved: 1, missing: 1 });
		const moved = await artifacts.getArtifact(platform.services, {
			organizationId: platform.organizationId,
			sessionId,
			artifactId: legacy.id,
		});
		expect(moved.storageKey).toBe(
			`orgs/${platform.organizationId}/sessions/${sessionId}/artifacts/${legacy.id}/report.txt`,
		);
		const response = await download(sessionId, legacy.id);
		expect(response.status).toBe(302);
		expect(await (await fetch(response.headers.get("location") ?? "")).text()).toBe("legacy report");
		expect((await download(sessionId, lost.id)).status).toBe(404);

		// Run again (another gateway starting): nothing more to move.
		expect(await migrate()).toEqual({ moved: 0, missing: 1 });
	});
});
