import assert from "node:assert/strict";
import type { Register } from "../suite-types.js";

/** The "identity" group: a backend names itself and declares every capability. */
export function identityTests(test: Register): void {
	test("has a name and declares every capability", async (open) => {
		const b = await open();
		assert.equal(typeof b.name, "string");
		assert.ok(b.name.length > 0);
		for (const key of [
			"persistent",
			"multiSession",
			"locking",
			"nativeGranular",
			"coalescing",
			"extensions",
			"nativeLookups",
		] as const)
			assert.equal(typeof b.capabilities[key], "boolean", `capabilities.${key}`);
	});
}
