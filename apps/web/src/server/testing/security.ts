import { isDefinedError, ORPCError } from "@orpc/server";
import { expect, it } from "vitest";
import type { TestClient, TestUser, WebHarness } from "./harness";

/** One org-scoped procedure to check: how to call it, with ids from the owner's organization. */
export interface OrgScopedCase {
	name: string;
	call: (client: TestClient, fixture: SecurityFixture) => Promise<unknown>;
}

/** An organization with a resource in it, plus an outsider from another organization. */
export interface SecurityFixture {
	owner: TestUser;
	outsider: TestUser;
	/** Anything the setup made (ids of the owner's organization's resources). */
	ids: Record<string, string>;
}

function codeOf(error: unknown): string | undefined {
	if (error instanceof ORPCError || isDefinedError(error)) return (error as ORPCError<string, unknown>).code;
	return undefined;
}

async function expectRejected(call: () => Promise<unknown>, allowed: string[], label: string): Promise<void> {
	let thrown: unknown;
	try {
		await call();
	} catch (error) {
		thrown = error;
	}
	expect(thrown, `${label}: expected a rejection`).toBeDefined();
	expect(allowed, `${label}: got ${codeOf(thrown) ?? String(thrown)}`).toContain(codeOf(thrown));
}

/**
 * The shared security cases for org-scoped procedures: called without a session each one answers
 * UNAUTHORIZED (401); called by a member of another organization with the owner's ids, NOT_FOUND or
 * FORBIDDEN — or, for procedures that act on the caller's own organization, a result holding none of
 * the owner's ids (`fixture.ids`: put the owner's organization id and resource ids there).
 * Use inside a `describe`; `fixture()` is read after the `beforeAll` setup.
 */
export function itChecksOrgScopedSecurity(
	harness: () => WebHarness,
	fixture: () => SecurityFixture,
	cases: OrgScopedCase[],
): void {
	it.each(cases.map((testCase) => [testCase.name, testCase] as const))(
		"%s: unauthenticated → 401",
		async (_name, testCase) => {
			await expectRejected(
				() => testCase.call(harness().clientFor(), fixture()),
				["UNAUTHORIZED"],
				testCase.name,
			);
		},
	);
	it.each(cases.map((testCase) => [testCase.name, testCase] as const))(
		"%s: another organization's member → not found/forbidden, never the owner's data",
		async (_name, testCase) => {
			const current = fixture();
			let result: unknown;
			try {
				result = await testCase.call(harness().clientFor(current.outsider.headers), current);
			} catch (error) {
				expect(
					["NOT_FOUND", "FORBIDDEN"],
					`${testCase.name}: got ${codeOf(error) ?? String(error)}`,
				).toContain(codeOf(error));
				return;
			}
			// Procedures without ids act on the caller's own organization: nothing of the owner's may show.
			const serialized = JSON.stringify(result ?? null);
			for (const [label, id] of Object.entries(current.ids))
				expect(serialized.includes(id), `${testCase.name} leaked ${label}`).toBe(false);
		},
	);
}
