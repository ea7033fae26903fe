import assert from "node:assert/strict";
import { test } from "node:test";
import { farewell, greet } from "../src/greet.js";

test("greets by name", () => {
	assert.equal(greet("Ada"), "Hello, Ada!");
});

test("says goodbye", () => {
	assert.equal(farewell("Ada"), "Goodbye, Ada.");
});
