import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalDirectoryObjectStore } from "./local-store";
import { describeObjectStoreContract } from "./testing-contract";

const root = mkdtempSync(join(tmpdir(), "proliferate-objects-"));
const directory = join(root, "store");
const store = new LocalDirectoryObjectStore(directory);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describeObjectStoreContract("local directory", () => store);

describe("local directory specifics", () => {
	it("keeps every file inside its directory and leaves no temporary files behind", async () => {
		await store.put("a/b/c", "x");
		await expect(store.put("../escape", "x")).rejects.toThrow();
		expect(readdirSync(root)).toEqual(["store"]);
		expect(existsSync(join(root, "escape"))).toBe(false);
		expect(readdirSync(join(directory, "tmp"))).toEqual([]);
	});

	it("lists in binary key order across pages", async () => {
		// `order/a` and `order/a/z` coexist, as on S3.
		for (const key of ["order/b", "order/a/z", "order/a", "order/c"]) await store.put(key, key);
		const first = await store.list("order/", { limit: 2 });
		const second = await store.list("order/", {
			limit: 2,
			...(first.cursor ? { cursor: first.cursor } : {}),
		});
		expect([...first.objects, ...second.objects].map((object) => object.key)).toEqual([
			"order/a",
			"order/a/z",
			"order/b",
			"order/c",
		]);
		expect(second.cursor).toBeUndefined();
	});

	it("has no download URL: the caller streams the object through its own authenticated route", async () => {
		expect(await store.downloadUrl()).toBeNull();
	});
});
