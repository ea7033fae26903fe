import { Readable } from "node:stream";
import { buffer, text } from "node:stream/consumers";
import { describe, expect, it } from "vitest";
import { InvalidObjectKeyError, ObjectNotFoundError, type ObjectStore } from "./object-store";

function sorted(keys: string[]): string[] {
	return [...keys].sort();
}

/** The behaviour every `ObjectStore` promises, run against each implementation with real storage. */
export function describeObjectStoreContract(name: string, store: () => ObjectStore): void {
	describe(`${name}: the ObjectStore contract`, () => {
		it("stores bytes and gives them back exactly, with size and content type", async () => {
			const bytes = Buffer.from(Array.from({ length: 4096 }, (_, index) => index % 256));
			const info = await store().put("orgs/o1/sessions/s1/artifacts/a1/screen.png", bytes, {
				contentType: "image/png",
			});
			expect(info).toMatchObject({
				key: "orgs/o1/sessions/s1/artifacts/a1/screen.png",
				size: 4096,
				contentType: "image/png",
			});
			const object = await store().get("orgs/o1/sessions/s1/artifacts/a1/screen.png");
			expect(object.size).toBe(4096);
			expect(object.contentType).toBe("image/png");
			expect(Buffer.compare(await buffer(object.body), bytes)).toBe(0);
			expect(await store().head("orgs/o1/sessions/s1/artifacts/a1/screen.png")).toMatchObject({ size: 4096 });
		});

		it("takes keys built from the platform's ids (base64url organization ids may start with - or _)", async () => {
			for (const key of ["orgs/-m10p5TZaIgbz/sessions/s1/a.txt", "orgs/_Vx9/sessions/s1/a.txt"]) {
				await store().put(key, "id");
				expect(await store().head(key), key).toMatchObject({ size: 2 });
				await store().delete(key);
			}
		});

		it("takes a stream of unknown length (several MiB) and replaces an object whole", async () => {
			const chunk = Buffer.alloc(1024 * 1024, 7);
			const stream = Readable.from(
				(function* () {
					for (let index = 0; index < 6; index++) yield chunk;
				})(),
			);
			const info = await store().put("streams/big.bin", stream);
			expect(info.size).toBe(6 * 1024 * 1024);
			expect(info.contentType).toBe("application/octet-stream");
			await store().put("streams/big.bin", "small now", { contentType: "text/plain" });
			const object = await store().get("streams/big.bin");
			expect(await text(object.body)).toBe("small now");
			expect(object.contentType).toBe("text/plain");
		});

		it("answers a missing object as not found, and deleting it is not an error", async () => {
			await expect(store().get("missing/thing")).rejects.toBeInstanceOf(ObjectNotFoundError);
			expect(await store().head("missing/thing")).toBeNull();
			await store().delete("missing/thing");
			await store().put("gone/soon", "x");
			await store().delete("gone/soon");
			expect(await store().head("gone/soon")).toBeNull();
			await expect(store().get("gone/soon")).rejects.toMatchObject({ code: "OBJECT_NOT_FOUND" });
		});

		// Key order is S3's (binary). s3rver sorts `.` against `/` differently and cannot hold both `a`
		// and `a/b`, so these keys avoid both; the local store's own tests cover them.
		it("lists by key prefix, page by page, each key once", async () => {
			const keys = ["list/s1/a", "list/s1/b", "list/s1/c", "list/s10/a", "list/s1x", "list/s2/a"];
			for (const key of [...keys].reverse()) await store().put(key, key);
			const all = await store().list("list/");
			expect(sorted(all.objects.map((object) => object.key))).toEqual(keys);
			expect(all.cursor).toBeUndefined();
			expect(sorted((await store().list("list/s1/")).objects.map((object) => object.key))).toEqual([
				"list/s1/a",
				"list/s1/b",
				"list/s1/c",
			]);
			expect(sorted((await store().list("list/s1")).objects.map((object) => object.key))).toEqual([
				"list/s1/a",
				"list/s1/b",
				"list/s1/c",
				"list/s10/a",
				"list/s1x",
			]);
			const seen: string[] = [];
			let cursor: string | undefined;
			do {
				const page = await store().list("list/", { limit: 4, ...(cursor ? { cursor } : {}) });
				expect(page.objects.length).toBeLessThanOrEqual(4);
				seen.push(...page.objects.map((object) => object.key));
				cursor = page.cursor;
			} while (cursor);
			expect(sorted(seen)).toEqual(keys);
			expect(new Set(seen).size).toBe(seen.length);
			expect((await store().list("nothing-here/")).objects).toEqual([]);
		});

		it("refuses keys that could escape or confuse the store, and writes nothing for them", async () => {
			const hostile = [
				"",
				"../outside",
				"a/../../outside",
				"/absolute",
				"a//b",
				"a/./b",
				"trailing/",
				".hidden/x",
				"nul\u0000byte",
				"back\\slash",
				"tilde~",
				"space here",
				"ünïcode",
				`${"k".repeat(1100)}`,
			];
			for (const key of hostile) {
				await expect(store().put(key, "x"), key).rejects.toBeInstanceOf(InvalidObjectKeyError);
				await expect(store().get(key), key).rejects.toBeInstanceOf(InvalidObjectKeyError);
				await expect(store().delete(key), key).rejects.toBeInstanceOf(InvalidObjectKeyError);
			}
			await expect(store().list("../")).rejects.toBeInstanceOf(InvalidObjectKeyError);
			expect((await store().list("")).objects.some((object) => object.key.includes("outside"))).toBe(false);
		});
	});
}
