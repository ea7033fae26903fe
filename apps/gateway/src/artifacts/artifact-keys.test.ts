import { assertObjectKey } from "@proliferate/storage";
import { describe, expect, it } from "vitest";
import { artifactObjectKey, contentDisposition, safeObjectName } from "./artifact-keys";

const ids = {
	organizationId: "org1",
	sessionId: "7f0c1f9e-0000-4000-8000-000000000001",
	artifactId: "7f0c1f9e-0000-4000-8000-000000000002",
};

describe("artifact object keys", () => {
	it("keeps ordinary names and puts them under the organization, session and artifact", () => {
		expect(artifactObjectKey({ ...ids, name: "screenshot.png" })).toBe(
			`orgs/org1/sessions/${ids.sessionId}/artifacts/${ids.artifactId}/screenshot.png`,
		);
	});

	it("turns hostile names into one safe segment", () => {
		const cases: [string, string][] = [
			["../../etc/passwd", "etc_passwd"],
			["..", "file"],
			[".", "file"],
			["", "file"],
			[".env", "env"],
			["a\u0000b.txt", "a_b.txt"],
			["résumé final.pdf", "resume_final.pdf"],
			["日本語.png", "png"],
			["C:\\Windows\\x.log", "C_Windows_x.log"],
			['say "hi"\r\n.md', "say_hi_.md"],
		];
		for (const [name, expected] of cases) {
			expect(safeObjectName(name), JSON.stringify(name)).toBe(expected);
			expect(() => assertObjectKey(artifactObjectKey({ ...ids, name }))).not.toThrow();
		}
		const long = safeObjectName(`${"x".repeat(500)}.json`);
		expect(long).toHaveLength(120);
		expect(long.endsWith(".json")).toBe(true);
	});

	it("quotes the original name for Content-Disposition without breaking the header", () => {
		expect(contentDisposition("screenshot.png")).toBe(
			`inline; filename="screenshot.png"; filename*=UTF-8''screenshot.png`,
		);
		const hostile = contentDisposition('../"évil"\u0000\r\n日本.png');
		expect(hostile).toBe(
			`inline; filename="../__vil______.png"; filename*=UTF-8''..%2F%22%C3%A9vil%22%00%0D%0A%E6%97%A5%E6%9C%AC.png`,
		);
		expect(hostile).toMatch(/^[\x20-\x7e]+$/);
		expect(contentDisposition("it's (1).txt")).toContain("filename*=UTF-8''it%27s%20%281%29.txt");
	});
});
