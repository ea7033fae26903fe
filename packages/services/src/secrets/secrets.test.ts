import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { classifyImport, ENV_IMPORT_MAX_KEYS, parseEnvFile } from "./env-import";
import { encryptionKeyId, SecretKeyring, secretContext } from "./keyring";
import { assertSecretKey } from "./names";
import { mergeSecretLayers, type SecretSource } from "./resolve";

const org: SecretSource = { kind: "organization" };
const staging: SecretSource = { kind: "bundle", bundleId: "b1", bundleName: "staging" };
const ci: SecretSource = { kind: "bundle", bundleId: "b2", bundleName: "ci" };
const repo: SecretSource = { kind: "repository", repoId: "r1" };

describe("mergeSecretLayers", () => {
	it("lets each later layer win a key: organization < bundles in order < repository", () => {
		const resolved = mergeSecretLayers([
			{
				source: org,
				entries: [
					{ key: "A", value: "org" },
					{ key: "B", value: "org" },
					{ key: "C", value: "org" },
					{ key: "D", value: "org" },
				],
			},
			{
				source: staging,
				entries: [
					{ key: "B", value: "staging" },
					{ key: "C", value: "staging" },
					{ key: "E", value: "staging" },
				],
			},
			{
				source: ci,
				entries: [
					{ key: "C", value: "ci" },
					{ key: "E", value: "ci" },
				],
			},
			{
				source: repo,
				entries: [
					{ key: "D", value: "repo" },
					{ key: "E", value: "repo" },
				],
			},
		]);
		expect(resolved.map(({ key, value, source }) => [key, value, source])).toEqual([
			["A", "org", org],
			["B", "staging", staging],
			["C", "ci", ci],
			["D", "repo", repo],
			["E", "repo", repo],
		]);
		expect(resolved.find((secret) => secret.key === "E")?.overrides).toEqual([staging, ci]);
		expect(resolved.find((secret) => secret.key === "A")?.overrides).toEqual([]);
	});

	it("follows the attachment order, whichever it is, and handles empty layers", () => {
		const reversed = mergeSecretLayers([
			{ source: org, entries: [] },
			{ source: ci, entries: [{ key: "X", value: "ci" }] },
			{ source: staging, entries: [{ key: "X", value: "staging" }] },
			{ source: repo, entries: [] },
		]);
		expect(reversed).toEqual([{ key: "X", value: "staging", source: staging, overrides: [ci] }]);
		expect(mergeSecretLayers([])).toEqual([]);
	});
});

describe("SecretKeyring", () => {
	const current = randomBytes(32).toString("hex");
	const previous = randomBytes(32).toString("hex");
	const context = secretContext({ organizationId: "org1", scope: "organization", key: "TOKEN" });

	it("seals with the current key, opens what previous keys sealed, and names keys by fingerprint", () => {
		const old = new SecretKeyring({ current: previous });
		const sealedOld = old.seal("v", context);
		expect(sealedOld.keyId).toBe(encryptionKeyId(previous));
		const rotated = new SecretKeyring({ current, previous: [previous] });
		expect(rotated.open(sealedOld, context)).toBe("v");
		expect(rotated.seal("w", context).keyId).toBe(encryptionKeyId(current));
		expect(() => new SecretKeyring({ current }).open(sealedOld, context)).toThrow(
			/SECRETS_ENCRYPTION_KEYS_PREVIOUS/,
		);
	});

	it("refuses a value moved to another row (other organization, scope or key)", () => {
		const keyring = new SecretKeyring({ current });
		const sealed = keyring.seal("v", context);
		for (const other of [
			{ organizationId: "org2", scope: "organization", key: "TOKEN" },
			{ organizationId: "org1", scope: "repo:r1", key: "TOKEN" },
			{ organizationId: "org1", scope: "organization", key: "OTHER" },
		])
			expect(() => keyring.open(sealed, secretContext(other))).toThrow(/cannot be decrypted/);
	});
});

describe("secret keys", () => {
	it("accepts environment variable names and refuses others and platform names", () => {
		for (const key of ["A", "_X", "DATABASE_URL", "a1"]) expect(() => assertSecretKey(key)).not.toThrow();
		for (const key of [
			"",
			"1A",
			"A-B",
			"A B",
			"A.B",
			"PATH",
			"PROLIFERATE_TOKEN",
			"OPENCODE_CONFIG",
			"x".repeat(201),
		])
			expect(() => assertSecretKey(key)).toThrow();
	});
});

describe("parseEnvFile", () => {
	it("reads dotenv syntax: quotes, escapes, export, comments, multi-line values", () => {
		const entries = parseEnvFile(
			[
				"# a comment",
				"export API_KEY=abc123",
				"PLAIN = spaced value  # trailing comment",
				"SINGLE='it''s'",
				'DOUBLE="line1\\nline2"',
				'MULTI="-----BEGIN KEY-----',
				"body",
				'-----END KEY-----"',
				"EMPTY=",
				"",
			].join("\n"),
		);
		expect(Object.fromEntries(entries.map((entry) => [entry.key, entry.value]))).toEqual({
			API_KEY: "abc123",
			PLAIN: "spaced value",
			SINGLE: "it''s",
			DOUBLE: "line1\nline2",
			MULTI: "-----BEGIN KEY-----\nbody\n-----END KEY-----",
			EMPTY: "",
		});
	});

	it("refuses oversized files, too many keys, invalid and reserved names, empty files", () => {
		expect(() => parseEnvFile(`A=${"x".repeat(256 * 1024)}`)).toThrow(/limit is 262144/);
		expect(() =>
			parseEnvFile(Array.from({ length: ENV_IMPORT_MAX_KEYS + 1 }, (_, index) => `K${index}=v`).join("\n")),
		).toThrow(/limit is 1000/);
		expect(() => parseEnvFile("GOOD=1\nBAD-NAME=2\n1ST=3")).toThrow(/Invalid variable names: BAD-NAME, 1ST/);
		expect(() => parseEnvFile("PATH=/evil")).toThrow(/Reserved/);
		expect(() => parseEnvFile("# nothing\n")).toThrow(/no KEY=value/);
		expect(() => parseEnvFile("A=\u0000")).toThrow(/not text/);
	});

	it("classifies keys as new, changed or unchanged", () => {
		expect(
			classifyImport(
				[
					{ key: "A", value: "1" },
					{ key: "B", value: "2" },
					{ key: "C", value: "3" },
				],
				new Map([
					["B", "2"],
					["C", "old"],
				]),
			),
		).toEqual([
			{ key: "A", status: "new" },
			{ key: "B", status: "unchanged" },
			{ key: "C", status: "changed" },
		]);
	});
});
