import assert from "node:assert/strict";
import type { Body, Capability, Register } from "../suite-types.js";

/** The "when coalescing" group: coalesced writes are all visible after flush(). */
export function coalescingTests(test: Register): void {
	const ifCapable = (capability: Capability, name: string, body: Body) =>
		test(name, body, capability);
	ifCapable(
		"coalescing",
		"writes followed by flush() are all visible to a new load()",
		async (open) => {
			const b = await open();
			for (let i = 1; i <= 50; i++)
				void b.applyUpdateState({ type: "primary", pts: i, date: i, seq: i });
			await b.flush();
			assert.equal((await b.load())?.updatesState.pts, 50);
		},
	);
}
