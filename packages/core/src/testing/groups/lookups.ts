import assert from "node:assert/strict";
import { peerMetaEqual } from "../../extensions.js";
import { upsertPeers } from "../../peer-index.js";
import { SecretBytes } from "../../secret.js";
import type { CachedPeer } from "../../types.js";
import { assertSameSession } from "../compare.js";
import { sampleSession, sessionWithExtensions, testPeer } from "../fixtures.js";
import type { Register } from "../suite-types.js";

import { meta, withMeta } from "./peer-meta-helpers.js";

/** The "lookups" group: by (kind, id), username and phone, with the ownership rules. */
export function lookupTests(test: Register): void {
	test(
		"getPeer returns the peer of that kind with its metadata, or null",
		async (open) => {
			const b = await open();
			await b.cachePeers([
				withMeta(testPeer("user", 100n, 11n), meta(["u100"])),
				testPeer("chat", 100n),
				testPeer("channel", 100n, 33n, "megagroup"),
			]);
			const user = await b.getPeer("user", 100n);
			assert.equal(user?.accessHash, 11n);
			assert.deepEqual(user?.meta?.usernames, ["u100"]);
			const channel = await b.getPeer("channel", 100n);
			assert.equal(channel?.channelKind, "megagroup");
			assert.equal(channel?.meta, undefined);
			assert.equal((await b.getPeer("chat", 100n))?.kind, "chat");
			assert.equal(await b.getPeer("community", 100n), null);
			assert.equal(await b.getPeer("user", 101n), null);
		},
		"extensions",
	);
	test(
		"usernames are case-insensitive and may carry @",
		async (open) => {
			const b = await open();
			await b.cachePeers([withMeta(testPeer("user", 7n, 70n), meta(["Durov_Fan", "@Other"]))]);
			for (const q of ["durov_fan", "DUROV_FAN", "@Durov_Fan", " other "])
				assert.equal((await b.findPeerByUsername(q))?.id, 7n, q);
			assert.deepEqual((await b.getPeer("user", 7n))?.meta?.usernames.sort(), [
				"durov_fan",
				"other",
			]);
			assert.equal(await b.findPeerByUsername("durov"), null);
			assert.equal(await b.findPeerByUsername(""), null);
		},
		"extensions",
	);
	test(
		"a batch whose peers end unchanged still takes what it claimed on the way",
		async (open) => {
			const b = await open();
			await b.cachePeers([
				withMeta(testPeer("user", 1n, 1n), meta(["held"], "+1 555 0001")),
				withMeta(testPeer("user", 2n, 2n), meta([])),
			]);
			// as if cached one by one: peer 2 takes the name and phone, then lets them go
			const claimed = withMeta(testPeer("user", 2n, 2n), meta(["held"], "15550001"));
			await b.cachePeers([claimed, withMeta(testPeer("user", 2n, 2n), meta([]))]);
			const holder = await b.getPeer("user", 1n);
			assert.deepEqual(holder?.meta?.usernames, []);
			assert.equal(holder?.meta?.phone, null);
			assert.equal(await b.findPeerByUsername("held"), null);
			assert.equal(await b.findPeerByPhone("15550001"), null);
		},
		"extensions",
	);
	test(
		"a username moves from one peer to another, across kinds",
		async (open) => {
			const b = await open();
			await b.cachePeers([withMeta(testPeer("user", 1n, 1n), meta(["name_a", "keep_a"]))]);
			await b.cachePeers([withMeta(testPeer("channel", 1n, 2n), meta(["NAME_A"]))]);
			assert.equal((await b.findPeerByUsername("name_a"))?.kind, "channel");
			assert.deepEqual((await b.getPeer("user", 1n))?.meta?.usernames, ["keep_a"]);
			// renaming releases the old username
			await b.cachePeers([withMeta(testPeer("channel", 1n, 2n), meta(["name_b"]))]);
			assert.equal(await b.findPeerByUsername("name_a"), null);
			// within one batch the last claim wins
			await b.cachePeers([
				withMeta(testPeer("user", 5n, 5n), meta(["contested"])),
				withMeta(testPeer("user", 6n, 6n), meta(["contested"])),
			]);
			assert.equal((await b.findPeerByUsername("contested"))?.id, 6n);
			assert.deepEqual((await b.getPeer("user", 5n))?.meta?.usernames, []);
			// a batch means its peers cached one by one: a name taken and then dropped is nobody's
			await b.cachePeers([
				withMeta(testPeer("user", 7n, 7n), meta(["twice"], "777")),
				withMeta(testPeer("user", 8n, 8n), meta(["twice"], "777")),
				withMeta(testPeer("user", 8n, 8n), meta(["other"])),
			]);
			assert.equal(await b.findPeerByUsername("twice"), null);
			assert.equal(await b.findPeerByPhone("777"), null);
			assert.deepEqual((await b.getPeer("user", 7n))?.meta, meta([]));
			assert.equal((await b.findPeerByUsername("other"))?.id, 8n);
		},
		"extensions",
	);
	test(
		"phones are compared as digits and belong to one peer",
		async (open) => {
			const b = await open();
			await b.cachePeers([withMeta(testPeer("user", 1n, 1n), meta([], "+1 (555) 010-0001"))]);
			for (const q of ["15550100001", "+15550100001", "+1 555 010 0001"])
				assert.equal((await b.findPeerByPhone(q))?.id, 1n, q);
			assert.equal((await b.getPeer("user", 1n))?.meta?.phone, "15550100001");
			await b.cachePeers([withMeta(testPeer("user", 2n, 2n), meta([], "15550100001"))]);
			assert.equal((await b.findPeerByPhone("+15550100001"))?.id, 2n);
			assert.equal((await b.getPeer("user", 1n))?.meta?.phone, null);
			assert.equal(await b.findPeerByPhone("+"), null);
			assert.equal(await b.findPeerByPhone("999"), null);
		},
		"extensions",
	);
	test(
		"clearing metadata removes the peer from the username and phone indexes",
		async (open) => {
			const b = await open();
			await b.cachePeers([withMeta(testPeer("user", 3n, 3n), meta(["gone"], "333"))]);
			await b.cachePeers([withMeta(testPeer("user", 3n, 3n), meta([], null))]);
			assert.equal(await b.findPeerByUsername("gone"), null);
			assert.equal(await b.findPeerByPhone("333"), null);
			assert.equal((await b.getPeer("user", 3n))?.accessHash, 3n);
		},
		"extensions",
	);
	test(
		"lookups see a full save and answer after a reopen",
		async (open) => {
			const a = await open();
			const session = sessionWithExtensions(11);
			await a.save(session);
			const owner = session.peers[3] as CachedPeer;
			assert.equal((await a.findPeerByUsername("USER_1103"))?.id, owner.id);
			await a.close();
			const b = await open();
			const byName = await b.findPeerByUsername("alt_1103");
			assert.equal(byName?.kind, owner.kind);
			assert.equal(byName?.id, owner.id);
			assert.ok(peerMetaEqual(byName?.meta, (await b.getPeer(owner.kind, owner.id))?.meta));
			assert.equal((await b.findPeerByPhone("+1 555 001103"))?.id, owner.id);
		},
		"extensions",
		"persistent",
	);
	test(
		"lookups and metadata writes interleave with other granular calls without loss",
		async (open) => {
			const b = await open();
			await b.save(sampleSession(12));
			const expected = sampleSession(12);
			const calls: Promise<unknown>[] = [];
			const lookups: Promise<CachedPeer | null>[] = [];
			for (let i = 0; i < 60; i++) {
				const peer = withMeta(testPeer("user", BigInt(90_000 + i), BigInt(i + 1)), meta([`c${i}`]));
				calls.push(b.cachePeers([peer]));
				calls.push(b.setExtension(`k${i}`, new Uint8Array([i])));
				calls.push(
					b.applyUpdateState({ type: "channel", channelId: BigInt(3_000_000 + i), pts: i }),
				);
				calls.push(b.cachePeer(testPeer("chat", BigInt(80_000 + i))));
				lookups.push(b.findPeerByUsername(`c${i}`));
				upsertPeers(expected, [peer, testPeer("chat", BigInt(80_000 + i))]);
				expected.updatesState.channels.push({ channelId: BigInt(3_000_000 + i), pts: i });
				expected.extensions ??= new Map();
				expected.extensions.set(`k${i}`, new SecretBytes(new Uint8Array([i])));
			}
			await Promise.all(calls);
			const found = await Promise.all(lookups);
			for (const [i, p] of found.entries())
				assert.equal(p?.id, BigInt(90_000 + i), `lookup ${i} saw its write`);
			assertSameSession(await b.load(), expected);
		},
		"extensions",
	);
}
