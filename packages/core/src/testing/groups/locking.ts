import assert from "node:assert/strict";
import { inspect } from "node:util";
import { isSessionError, SessionBackendError } from "../../errors.js";
import { assertSameSession } from "../compare.js";
import { sampleSession, testAuthKey } from "../fixtures.js";
import type { Body, Capability, Register } from "../suite-types.js";

/** The "when locking" group: a second open of a held session is refused, naming no secret. */
export function lockingTests(test: Register): void {
	const ifCapable = (capability: Capability, name: string, body: Body) =>
		test(name, body, capability);
	ifCapable(
		"locking",
		"a second open of a held session rejects with LOCKED within 1 s",
		async (open) => {
			const a = await open("locked");
			await a.save(sampleSession());
			const started = Date.now();
			await assert.rejects(open("locked"), (e: unknown) => isSessionError(e, "LOCKED"));
			assert.ok(Date.now() - started < 1500, "rejected within about a second");
			await a.close();
			const b = await open("locked");
			assertSameSession(await b.load(), sampleSession());
		},
	);
	ifCapable("locking", "the lock error names no secret", async (open) => {
		const a = await open("held");
		await a.save(sampleSession());
		const error = await open("held").then(
			() => undefined,
			(e: unknown) => e,
		);
		assert.ok(error instanceof SessionBackendError);
		const keyHex = Buffer.from(testAuthKey(1).expose()).toString("hex").slice(0, 24);
		assert.ok(!inspect(error).includes(keyHex));
	});
}
