import assert from "node:assert/strict";
import { upsertDc } from "../../dc-slots.js";
import { upsertPeers } from "../../peer-index.js";
import { assertSameSession } from "../compare.js";
import { sampleSession, testAuthKey, testDc, testPeer } from "../fixtures.js";
import type { Body, Capability, Register } from "../suite-types.js";

/** The "when multiSession" group: sessions with different ids never see each other. */
export function multiSessionTests(test: Register): void {
	const ifCapable = (capability: Capability, name: string, body: Body) =>
		test(name, body, capability);
	ifCapable("multiSession", "sessions with different ids are isolated", async (open) => {
		const a = await open("account-a");
		const b = await open("account-b");
		await a.save(sampleSession(1));
		await b.save(sampleSession(2));
		await a.cachePeer(testPeer("user", 1n, 11n));
		await b.applyUpdateState({ type: "secondary", qts: 22 });
		await a.setHomeDc(1);
		await b.updateDc(testDc({ dcId: 3, addr: "10.3.0.1:443", authKey: testAuthKey(3) }));
		const expectA = sampleSession(1);
		upsertPeers(expectA, [testPeer("user", 1n, 11n)]);
		expectA.homeDcId = 1;
		const expectB = sampleSession(2);
		expectB.updatesState.qts = 22;
		upsertDc(expectB, testDc({ dcId: 3, addr: "10.3.0.1:443", authKey: testAuthKey(3) }));
		assertSameSession(await a.load(), expectA);
		assertSameSession(await b.load(), expectB);
		await a.delete();
		assert.equal(await a.load(), null);
		assertSameSession(await b.load(), expectB);
	});
	ifCapable("multiSession", "the default session id is independent of named ones", async (open) => {
		const d = await open();
		const n = await open("named");
		await n.save(sampleSession(5));
		assert.equal(await d.load(), null);
	});
}
