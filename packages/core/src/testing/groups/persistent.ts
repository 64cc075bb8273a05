import assert from "node:assert/strict";
import { upsertPeers } from "../../peer-index.js";
import { assertSameSession } from "../compare.js";
import { sampleSession, testPeers } from "../fixtures.js";
import type { Body, Capability, Register } from "../suite-types.js";

/** The "when persistent" group: what one instance wrote, the next one reads. */
export function persistentTests(test: Register): void {
	const ifCapable = (capability: Capability, name: string, body: Body) =>
		test(name, body, capability);
	ifCapable("persistent", "a new instance reads what a closed one saved", async (open) => {
		const a = await open();
		await a.save(sampleSession());
		await a.close();
		const b = await open();
		assertSameSession(await b.load(), sampleSession());
	});
	ifCapable("persistent", "close() persists pending granular writes", async (open) => {
		const a = await open();
		const session = sampleSession();
		await a.save(session);
		const peers = testPeers(50, 40).map((p) => ({ ...p, id: p.id + 50_000_000n }));
		for (let i = 0; i < 200; i++)
			void a.applyUpdateState({ type: "primary", pts: i, date: i, seq: i });
		void a.cachePeers(peers);
		void a.applyUpdateState({ type: "channel", channelId: 1_500_000_001n, pts: 901 });
		await a.close();
		upsertPeers(session, peers);
		Object.assign(session.updatesState, { pts: 199, date: 199, seq: 199 });
		(session.updatesState.channels[0] as { pts: number }).pts = 901;
		const b = await open();
		assertSameSession(await b.load(), session);
	});
	ifCapable(
		"persistent",
		"flush() makes pending writes visible to a new instance",
		async (open) => {
			const a = await open();
			await a.setHomeDc(3);
			await a.applyUpdateState({ type: "secondary", qts: 9 });
			await a.flush();
			await a.close();
			const b = await open();
			const loaded = await b.load();
			assert.equal(loaded?.homeDcId, 3);
			assert.equal(loaded?.updatesState.qts, 9);
		},
	);
	ifCapable("persistent", "delete() persists", async (open) => {
		const a = await open();
		await a.save(sampleSession());
		await a.delete();
		await a.close();
		assert.equal(await (await open()).load(), null);
	});
}
