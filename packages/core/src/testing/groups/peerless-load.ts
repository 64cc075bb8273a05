import assert from "node:assert/strict";
import type { SessionBackend } from "../../backend.js";
import { SecretBytes } from "../../secret.js";
import type { CachedPeer, PersistedSession } from "../../types.js";
import { assertSameSession } from "../compare.js";
import { sampleSession, sessionWithExtensions, testDc, testPeer } from "../fixtures.js";
import type { Register } from "../suite-types.js";

import { meta } from "./peer-meta-helpers.js";

/** What `load({ peers: false })` must return: the full load with an empty peer cache. */
async function assertPeerlessMatchesFull(b: SessionBackend, message: string): Promise<void> {
	const full = await b.load();
	const peerless = await b.load({ peers: false });
	assert.ok(full !== null, `${message}: the full load found no session`);
	assert.deepEqual(peerless?.peers, [], `${message}: the peers were read`);
	assertSameSession(peerless, { ...full, peers: [] }, message);
}

/** The "load without peers" group: what a client needs to start, without the peer cache. */
export function peerlessLoadTests(test: Register): void {
	test("load({ peers: false }) of no session is null", async (open) => {
		const b = await open();
		assert.equal(await b.load({ peers: false }), null);
	});
	test("load({ peers: false }) returns every field of a saved session but its peers", async (open) => {
		const b = await open();
		const session = b.capabilities.extensions ? sessionWithExtensions(4) : sampleSession(4);
		await b.save(session);
		await assertPeerlessMatchesFull(b, "after save");
		// and the full load is unchanged by the option's existence
		assertSameSession(await b.load({ peers: true }), session);
		assertSameSession(await b.load(), session);
	});
	test("load({ peers: false }) sees granular writes queued before it", async (open) => {
		const b = await open();
		await b.save(sampleSession(5));
		const writes: Promise<void>[] = [
			b.updateDc(testDc({ dcId: 5, addr: "10.0.0.5:443" })),
			b.setHomeDc(5),
			b.applyUpdateState({ type: "primary", pts: 4242, date: 1_800_000_000, seq: 9 }),
			b.applyUpdateState({ type: "channel", channelId: 1_500_000_009n, pts: 31 }),
			b.cachePeer(testPeer("user", 99n, 7n)),
		];
		if (b.capabilities.extensions)
			writes.push(b.setExtension("test:peerless", new SecretBytes(new Uint8Array([1, 2, 3]))));
		// not awaited first: the load is queued behind the writes, coalesced ones included
		const peerless = await b.load({ peers: false });
		await Promise.all(writes);
		assert.ok(peerless);
		assert.equal(peerless.homeDcId, 5);
		assert.equal(peerless.updatesState.pts, 4242);
		assert.ok(peerless.dcs.some((dc) => dc.dcId === 5 && dc.addr === "10.0.0.5:443"));
		assert.ok(peerless.updatesState.channels.some((c) => c.channelId === 1_500_000_009n));
		if (b.capabilities.extensions)
			assert.deepEqual(
				peerless.extensions?.get("test:peerless")?.expose(),
				new Uint8Array([1, 2, 3]),
			);
		assert.deepEqual(peerless.peers, []);
		await assertPeerlessMatchesFull(b, "after granular writes");
	});
	test("after load({ peers: false }) the peers are still found by lookups", async (open) => {
		const b = await open();
		const session: PersistedSession = sampleSession(6);
		const known = testPeer("channel", 123_456n, -5n, "megagroup");
		if (b.capabilities.extensions) known.meta = meta(["peerless_user"], "+1 555 0100");
		session.peers.push(known);
		await b.save(session);
		const peerless = await b.load({ peers: false });
		assert.deepEqual(peerless?.peers, []);
		const found = (await b.getPeer("channel", 123_456n)) as CachedPeer;
		assert.equal(found?.accessHash, -5n);
		assert.equal(found.channelKind, "megagroup");
		if (b.capabilities.extensions) {
			assert.equal((await b.findPeerByUsername("@Peerless_User"))?.id, 123_456n);
			assert.equal((await b.findPeerByPhone("15550100"))?.id, 123_456n);
		}
		// the peers are neither dropped from storage nor changed by the peerless load
		assertSameSession(await b.load(), session);
	});
}
