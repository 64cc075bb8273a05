import assert from "node:assert/strict";
import { isSessionError } from "../../errors.js";
import { emptySession } from "../../session.js";
import { assertSameSession } from "../compare.js";
import { sampleSession, testPeer } from "../fixtures.js";
import type { Register } from "../suite-types.js";

/** The "delete and lifecycle" group: delete(), flush() and close(). */
export function lifecycleTests(test: Register): void {
	test("delete() removes the session; writes afterwards start from empty", async (open) => {
		const b = await open();
		await b.delete();
		await b.save(sampleSession());
		await b.delete();
		assert.equal(await b.load(), null);
		await b.cachePeer(testPeer("chat", 3n));
		const expected = emptySession();
		expected.peers = [testPeer("chat", 3n)];
		assertSameSession(await b.load(), expected);
	});
	test("flush() resolves; close() is idempotent and later calls reject with CLOSED", async (open) => {
		const b = await open();
		await b.save(sampleSession());
		await b.flush();
		await b.close();
		await b.close();
		await assert.rejects(b.load(), (e: unknown) => isSessionError(e, "CLOSED"));
		await assert.rejects(b.setHomeDc(1), (e: unknown) => isSessionError(e, "CLOSED"));
	});
}
