import assert from "node:assert/strict";
import { upsertDc } from "../../dc-slots.js";
import { SessionBackendError } from "../../errors.js";
import { upsertPeers } from "../../peer-index.js";
import { cloneSession } from "../../session.js";
import { assertSameSession } from "../compare.js";
import { sampleSession, testAuthKey, testDc, testPeer, testPeers } from "../fixtures.js";
import type { Register } from "../suite-types.js";

/** The "concurrency" group: no lost updates, and calls take effect in the order issued. */
export function concurrencyTests(test: Register): void {
	test("concurrent granular calls on one instance lose nothing", async (open) => {
		const b = await open();
		await b.save(sampleSession());
		const session = sampleSession();
		const peers = testPeers(120, 21).map((p) => ({ ...p, id: p.id + 10_000_000n }));
		const calls: Promise<void>[] = [];
		peers.forEach((p, i) => {
			calls.push(b.cachePeer(p));
			calls.push(b.applyUpdateState({ type: "channel", channelId: BigInt(2_000_000 + i), pts: i }));
		});
		calls.push(b.applyUpdateState({ type: "primary", pts: 77, date: 78, seq: 79 }));
		calls.push(b.applyUpdateState({ type: "secondary", qts: 80 }));
		calls.push(b.setHomeDc(4));
		calls.push(b.updateDc(testDc({ dcId: 3, addr: "10.3.3.3:443", authKey: testAuthKey(33) })));
		await Promise.all(calls);
		upsertPeers(session, peers);
		for (let i = 0; i < peers.length; i++)
			session.updatesState.channels.push({ channelId: BigInt(2_000_000 + i), pts: i });
		Object.assign(session.updatesState, { pts: 77, date: 78, seq: 79, qts: 80 });
		session.homeDcId = 4;
		upsertDc(session, testDc({ dcId: 3, addr: "10.3.3.3:443", authKey: testAuthKey(33) }));
		assertSameSession(await b.load(), session);
	});
	test("calls issued without waiting take effect in the order issued", async (open) => {
		const b = await open();
		const first = sampleSession(1);
		const second = sampleSession(2);
		const pending = [
			b.save(first),
			b.cachePeer(testPeer("user", 5n, 55n)),
			b.save(second),
			b.applyUpdateState({ type: "secondary", qts: 1234 }),
			b.setHomeDc(3),
		];
		const loaded = b.load();
		await Promise.all(pending);
		const expected = cloneSession(second);
		expected.updatesState.qts = 1234;
		expected.homeDcId = 3;
		assertSameSession(await loaded, expected);
		await b.delete();
		const afterDelete = b.load();
		const write = b.setHomeDc(1);
		assert.equal(await afterDelete, null);
		await write;
		assert.equal((await b.load())?.homeDcId, 1);
	});
	test("a rejected call does not block later ones", async (open) => {
		const b = await open();
		await b.save(sampleSession());
		const bad = cloneSession(sampleSession());
		bad.dcs = Array.from({ length: 256 }, (_, i) =>
			testDc({ dcId: i + 1, addr: `10.0.${i}.1:443` }),
		);
		bad.dcs.push(testDc({ dcId: 9, addr: "x".repeat(300) }));
		const outcome = await b.save(bad).then(
			() => "ok",
			(error: unknown) => error,
		);
		if (outcome !== "ok")
			assert.ok(
				outcome instanceof SessionBackendError,
				`rejects with a SessionBackendError, got ${String(outcome)}`,
			);
		await b.setHomeDc(5);
		assert.equal((await b.load())?.homeDcId, 5);
	});
}
