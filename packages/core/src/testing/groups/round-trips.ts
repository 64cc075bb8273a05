import assert from "node:assert/strict";
import { inspect } from "node:util";
import { assertSameSession } from "../compare.js";
import { edgeCaseSessions, sampleSession, testAuthKey, testPeers } from "../fixtures.js";
import type { Register } from "../suite-types.js";

/** The "round trips" group: what `save()` stores `load()` returns, edge cases and the 65 535-peer limit included. */
export function roundTripTests(test: Register): void {
	test("load() on empty storage returns null", async (open) => {
		assert.equal(await (await open()).load(), null);
	});
	for (const [name, session] of Object.entries(edgeCaseSessions())) {
		test(`stores ${name}`, async (open) => {
			const b = await open();
			await b.save(session);
			assertSameSession(await b.load(), session);
		});
	}
	test.within(Math.max(test.timeout, 120_000))(
		"stores 65 535 peers, the most a v8 file holds",
		async (open) => {
			const b = await open();
			const session = { ...sampleSession(3), peers: testPeers(65_535, 3) };
			await b.save(session);
			assertSameSession(await b.load(), session);
		},
	);
	test("a full save replaces everything, and counters may go backwards", async (open) => {
		const b = await open();
		await b.save(sampleSession(50));
		const smaller = sampleSession(1);
		smaller.peers = smaller.peers.slice(0, 3);
		smaller.minPeers = [];
		smaller.dcs = smaller.dcs.slice(0, 2);
		smaller.futureAuthToken = null;
		smaller.updatesState.channels = [];
		await b.save(smaller);
		assertSameSession(await b.load(), smaller);
	});
	test("isolates stored data from the caller's objects", async (open) => {
		const b = await open();
		const session = sampleSession();
		await b.save(session);
		session.homeDcId = 4;
		(session.peers[0] as { accessHash: bigint }).accessHash = 1n;
		session.updatesState.pts = 1;
		const loaded = await b.load();
		assertSameSession(loaded, sampleSession());
		loaded.peers.length = 0;
		loaded.dcs.length = 0;
		assertSameSession(await b.load(), sampleSession());
	});
	test("keeps secrets out of util.inspect and JSON.stringify of what it returns", async (open) => {
		const b = await open();
		await b.save(sampleSession());
		const loaded = await b.load();
		const keyHex = Buffer.from(testAuthKey(1).expose()).toString("hex").slice(0, 24);
		const keyB64 = Buffer.from(testAuthKey(1).expose()).toString("base64").slice(0, 16);
		for (const text of [
			inspect(loaded, { depth: 10 }),
			JSON.stringify(loaded, bigintText),
			inspect(b, { depth: 4 }),
		]) {
			assert.ok(!text.includes(keyHex), "auth key bytes shown as hex");
			assert.ok(!text.includes(keyB64), "auth key bytes shown as base64");
		}
	});
}

function bigintText(_key: string, value: unknown): unknown {
	return typeof value === "bigint" ? value.toString() : value;
}
