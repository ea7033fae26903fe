import { randomBytes } from "node:crypto";
import { eq, schema } from "@proliferate/db";
import { createTestDatabase, type TestDatabase } from "@proliferate/vitest-setup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type DatabaseHandle } from "../db/client";
import { orgs, repos, secrets } from "../index";

let database: TestDatabase;
let handle: DatabaseHandle;
let context: { db: DatabaseHandle["db"] };
let acme: orgs.Organization;
let globex: orgs.Organization;
let aliceId: string;
let web: repos.Repo;
let api: repos.Repo;
const oldKey = randomBytes(32).toString("hex");
const newKey = randomBytes(32).toString("hex");
const keyring = new secrets.SecretKeyring({ current: oldKey });

beforeAll(async () => {
	database = await createTestDatabase();
	handle = createDb(database.url, { max: 4 });
	context = { db: handle.db };
	const alice = await orgs.createUser(context, { name: "Alice", email: "alice@acme.test" });
	const bob = await orgs.createUser(context, { name: "Bob", email: "bob@globex.test" });
	aliceId = alice.id;
	acme = await orgs.createOrganization(context, { name: "Acme", ownerUserId: alice.id });
	globex = await orgs.createOrganization(context, { name: "Globex", ownerUserId: bob.id });
	web = await repos.createRepo(context, {
		organizationId: acme.id,
		url: "https://git.example.test/acme/web.git",
		sourceKind: "git_url",
	});
	api = await repos.createRepo(context, {
		organizationId: acme.id,
		url: "https://git.example.test/acme/api.git",
		sourceKind: "git_url",
	});
});

afterAll(async () => {
	await handle?.close();
	await database?.drop();
});

const orgScope = { kind: "organization" } as const;

describe("secrets", () => {
	it("stores values sealed, lists them without values, and records who changed them", async () => {
		const created = await secrets.createSecret(
			context,
			{
				organizationId: acme.id,
				scope: orgScope,
				key: "API_TOKEN",
				value: "tok-1",
				description: "the API",
				userId: aliceId,
			},
			keyring,
		);
		expect(created).toMatchObject({
			key: "API_TOKEN",
			hasValue: true,
			updatedByName: "Alice",
			description: "the API",
		});
		expect(JSON.stringify(await secrets.listSecrets(context, { organizationId: acme.id }))).not.toContain(
			"tok-1",
		);
		const [row] = await handle.db.select().from(schema.secrets).where(eq(schema.secrets.id, created.id));
		expect(row?.sealedValue).not.toContain("tok-1");
		expect(row?.keyId).toBe(keyring.currentKeyId);
		await expect(
			secrets.createSecret(
				context,
				{ organizationId: acme.id, scope: orgScope, key: "API_TOKEN", value: "x", userId: aliceId },
				keyring,
			),
		).rejects.toMatchObject({ code: "SECRET_KEY_TAKEN" });
		await expect(
			secrets.createSecret(
				context,
				{ organizationId: acme.id, scope: orgScope, key: "BAD-KEY", value: "x", userId: aliceId },
				keyring,
			),
		).rejects.toMatchObject({ code: "INVALID_SECRET_KEY" });
		await expect(
			secrets.createSecret(
				context,
				{ organizationId: acme.id, scope: orgScope, key: "BIG", value: "x".repeat(70_000), userId: aliceId },
				keyring,
			),
		).rejects.toMatchObject({ code: "SECRET_VALUE_TOO_LARGE" });
	});

	it("a sealed value copied onto another row does not open", async () => {
		const other = await secrets.createSecret(
			context,
			{ organizationId: acme.id, scope: orgScope, key: "OTHER", value: "o", userId: aliceId },
			keyring,
		);
		const [source] = await handle.db.select().from(schema.secrets).where(eq(schema.secrets.key, "API_TOKEN"));
		if (!source) throw new Error("expected the row");
		await handle.db
			.update(schema.secrets)
			.set({ sealedValue: source.sealedValue })
			.where(eq(schema.secrets.id, other.id));
		await expect(
			secrets.resolveSessionSecrets(context, { organizationId: acme.id, repoId: null }, keyring),
		).rejects.toMatchObject({
			code: "SEALED_SECRET_UNREADABLE",
		});
		await secrets.deleteSecret(context, { organizationId: acme.id, secretId: other.id });
	});

	it("keeps organizations apart: another organization's ids are not found", async () => {
		const [mine] = await secrets.listSecrets(context, { organizationId: acme.id });
		if (!mine) throw new Error("expected a secret");
		expect(await secrets.listSecrets(context, { organizationId: globex.id })).toEqual([]);
		await expect(
			secrets.updateSecret(
				context,
				{ organizationId: globex.id, secretId: mine.id, value: "stolen", userId: null },
				keyring,
			),
		).rejects.toMatchObject({ kind: "not_found" });
		await expect(
			secrets.deleteSecret(context, { organizationId: globex.id, secretId: mine.id }),
		).rejects.toMatchObject({
			kind: "not_found",
		});
		await expect(
			secrets.createSecret(
				context,
				{
					organizationId: globex.id,
					scope: { kind: "repository", repoId: web.id },
					key: "X",
					value: "x",
					userId: null,
				},
				keyring,
			),
		).rejects.toMatchObject({ kind: "not_found" });
		await expect(
			secrets.setRepoBundles(context, { organizationId: globex.id, repoId: web.id, bundleIds: [] }),
		).rejects.toMatchObject({
			kind: "not_found",
		});
		await expect(
			secrets.resolveSessionSecrets(context, { organizationId: globex.id, repoId: web.id }, keyring),
		).rejects.toMatchObject({
			kind: "not_found",
		});
	});
});

describe("resolution against the database", () => {
	it("organization < bundles in attachment order < repository, per repository", async () => {
		const set = (scope: secrets.SecretScope, values: Record<string, string>) =>
			secrets.upsertSecrets(context, { organizationId: acme.id, scope, values, userId: aliceId }, keyring);
		await set(orgScope, { SHARED: "org", ONLY_ORG: "org", DB_URL: "org" });
		const staging = await secrets.createBundle(context, {
			organizationId: acme.id,
			name: "staging",
			userId: aliceId,
		});
		const ci = await secrets.createBundle(context, { organizationId: acme.id, name: "ci", userId: aliceId });
		await set(
			{ kind: "bundle", bundleId: staging.id },
			{ SHARED: "staging", DB_URL: "staging", STAGE: "staging" },
		);
		await set({ kind: "bundle", bundleId: ci.id }, { DB_URL: "ci", STAGE: "ci" });
		await set({ kind: "repository", repoId: web.id }, { DB_URL: "web" });
		await secrets.setRepoBundles(context, {
			organizationId: acme.id,
			repoId: web.id,
			bundleIds: [staging.id, ci.id],
		});
		await secrets.setRepoBundles(context, {
			organizationId: acme.id,
			repoId: api.id,
			bundleIds: [ci.id, staging.id],
		});
		const env = async (repoId: string | null) =>
			secrets.toEnvironment(
				await secrets.resolveSessionSecrets(context, { organizationId: acme.id, repoId }, keyring),
			);
		expect(await env(web.id)).toMatchObject({
			SHARED: "staging",
			ONLY_ORG: "org",
			DB_URL: "web",
			STAGE: "ci",
			API_TOKEN: "tok-1",
		});
		expect(await env(api.id)).toMatchObject({ SHARED: "staging", DB_URL: "staging", STAGE: "staging" });
		expect(await env(null)).toEqual({ SHARED: "org", ONLY_ORG: "org", DB_URL: "org", API_TOKEN: "tok-1" });
		const described = await secrets.describeRepoResolution(context, {
			organizationId: acme.id,
			repoId: web.id,
		});
		expect(described.find((entry) => entry.key === "DB_URL")).toEqual({
			key: "DB_URL",
			source: { kind: "repository", repoId: web.id },
			overrides: [
				{ kind: "organization" },
				{ kind: "bundle", bundleId: staging.id, bundleName: "staging" },
				{ kind: "bundle", bundleId: ci.id, bundleName: "ci" },
			],
		});
		expect(described.every((entry) => !("value" in entry))).toBe(true);
		await expect(
			secrets.setRepoBundles(context, { organizationId: acme.id, repoId: web.id, bundleIds: [ci.id, ci.id] }),
		).rejects.toMatchObject({ kind: "invalid_input" });
		const foreign = await secrets.createBundle(context, {
			organizationId: globex.id,
			name: "theirs",
			userId: null,
		});
		await expect(
			secrets.setRepoBundles(context, { organizationId: acme.id, repoId: web.id, bundleIds: [foreign.id] }),
		).rejects.toMatchObject({ kind: "not_found" });
		expect(
			(await secrets.listRepoBundles(context, { organizationId: acme.id, repoId: web.id })).map(
				(bundle) => bundle.name,
			),
		).toEqual(["staging", "ci"]);
		const bundles = await secrets.listBundles(context, { organizationId: acme.id });
		expect(bundles.find((bundle) => bundle.name === "ci")).toMatchObject({ secretCount: 2 });
		await secrets.deleteBundle(context, { organizationId: acme.id, bundleId: ci.id });
		expect(await env(web.id)).toMatchObject({ STAGE: "staging", DB_URL: "web" });
	});
});

describe("import", () => {
	it("previews new/changed/unchanged without values and applies with per-key choices in one transaction", async () => {
		const scope = { kind: "repository", repoId: api.id } as const;
		await secrets.upsertSecrets(
			context,
			{
				organizationId: acme.id,
				scope,
				values: { SAME: "1", CHANGED: "old", KEEP: "mine" },
				userId: aliceId,
			},
			keyring,
		);
		const content = 'SAME=1\nCHANGED=new\nKEEP=theirs\nexport FRESH="a b"\n';
		const preview = await secrets.previewEnvImport(
			context,
			{ organizationId: acme.id, scope, content },
			keyring,
		);
		expect(preview.entries).toEqual([
			{ key: "SAME", status: "unchanged" },
			{ key: "CHANGED", status: "changed" },
			{ key: "KEEP", status: "changed" },
			{ key: "FRESH", status: "new" },
		]);
		expect(JSON.stringify(preview)).not.toMatch(/old|mine|theirs/);
		const applied = await secrets.applyEnvImport(
			context,
			{ organizationId: acme.id, scope, content, choices: { KEEP: "keep" }, userId: aliceId },
			keyring,
		);
		expect(applied).toEqual({
			created: ["FRESH"],
			overwritten: ["CHANGED"],
			kept: ["KEEP"],
			unchanged: ["SAME"],
		});
		const env = secrets.toEnvironment(
			await secrets.resolveSessionSecrets(context, { organizationId: acme.id, repoId: api.id }, keyring),
		);
		expect(env).toMatchObject({ SAME: "1", CHANGED: "new", KEEP: "mine", FRESH: "a b" });
		await expect(
			secrets.applyEnvImport(
				context,
				{ organizationId: acme.id, scope, content: "GOOD=1\nBAD KEY\n9X=1", userId: null },
				keyring,
			),
		).rejects.toMatchObject({ code: "ENV_IMPORT_INVALID" });
		expect(
			secrets.toEnvironment(
				await secrets.resolveSessionSecrets(context, { organizationId: acme.id, repoId: api.id }, keyring),
			).GOOD,
		).toBeUndefined();
		await expect(
			secrets.previewEnvImport(context, { organizationId: globex.id, scope, content }, keyring),
		).rejects.toMatchObject({ kind: "not_found" });
	});
});

describe("key rotation", () => {
	it("re-seals every value with the current key in batches, idempotently, keeping them readable", async () => {
		const rotated = new secrets.SecretKeyring({ current: newKey, previous: [oldKey] });
		const before = secrets.toEnvironment(
			await secrets.resolveSessionSecrets(context, { organizationId: acme.id, repoId: web.id }, rotated),
		);
		const progress: secrets.ResealProgress[] = [];
		const result = await secrets.resealAllSecretsUnscoped(context, rotated, {
			batchSize: 3,
			onProgress: (step) => progress.push(step),
		});
		expect(result.resealed).toBeGreaterThan(3);
		expect(result.remaining).toBe(0);
		expect(progress.length).toBeGreaterThan(1);
		expect(await secrets.countSecretsByKeyUnscoped(context)).toEqual([
			{ keyId: rotated.currentKeyId, count: expect.any(Number) },
		]);
		const onlyNew = new secrets.SecretKeyring({ current: newKey });
		expect(
			secrets.toEnvironment(
				await secrets.resolveSessionSecrets(context, { organizationId: acme.id, repoId: web.id }, onlyNew),
			),
		).toEqual(before);
		expect(await secrets.resealAllSecretsUnscoped(context, rotated)).toEqual({
			resealed: 0,
			skipped: 0,
			remaining: 0,
		});
	});
});
