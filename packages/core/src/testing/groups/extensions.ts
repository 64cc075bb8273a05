import assert from "node:assert/strict";
import { inspect } from "node:util";
import { decodeSession } from "../../codec/decode.js";
import { encodeSession } from "../../codec/encode.js";
import { isSessionError } from "../../errors.js";
import { peerMetaEqual } from "../../extensions.js";
import { upsertPeers } from "../../peer-index.js";
import { SecretBytes } from "../../secret.js";
import { cloneSession, emptySession } from "../../session.js";
import type { CachedPeer } from "../../types.js";
import { assertSameSession } from "../compare.js";
import {
	sampleSession,
	seededBytes,
	sessionWithExtensions,
	testPeer,
	testPeerMeta,
} from "../fixtures.js";
import type { Register } from "../suite-types.js";

import { bytes, meta, withMeta } from "./peer-meta-helpers.js";

/** The "extensions" group: extension values and peer metadata are stored and read back. */
export function extensionTests(test: Register): void {
	test(
		"a session with extension values and peer metadata round-trips",
		async (open) => {
			const b = await open();
			const session = sessionWithExtensions(3);
			await b.save(session);
			assertSameSession(await b.load(), session);
		},
		"extensions",
	);
	test(
		"peer metadata at the limits decodeSession accepts saves on every backend, in stored form",
		async (open) => {
			const b = await open();
			const session = sampleSession();
			const [first, second] = session.peers as [CachedPeer, CachedPeer];
			// what save() folds (case, "@", spaces around, separators) and what reaches each length limit
			session.peers[0] = withMeta(
				first,
				meta(["@Durov ", "DUROV", "a".repeat(255)], "+1 (555) 010-99", {
					name: `${"\u00e9".repeat(32_767)}a`, // 65 535 UTF-8 bytes
					isMin: true,
					data: seededBytes(1000, 4),
				}),
			);
			session.peers[1] = withMeta(
				second,
				meta(["\u0130".repeat(63)], `+${"1".repeat(32)}`, { updatedAt: Number.MAX_SAFE_INTEGER }),
			);
			const decoded = decodeSession(encodeSession(session));
			await b.save(decoded);
			assertSameSession(await b.load(), decoded);
			assert.equal((await b.findPeerByUsername("@durov"))?.id, first.id);
			assert.equal((await b.findPeerByPhone("1".repeat(32)))?.id, second.id);
			if (b.capabilities.persistent) {
				await b.close();
				assertSameSession(await (await open()).load(), decoded);
			}
		},
		"extensions",
	);
	test(
		"setExtension, getExtension, listExtensionKeys and deleteExtension",
		async (open) => {
			const b = await open();
			assert.equal(await b.getExtension("mtcute:dc_main"), null);
			assert.deepEqual(await b.listExtensionKeys(), []);
			const value = seededBytes(300, 9);
			await b.setExtension("mtcute:dc_main", value);
			await b.setExtension("mtcute:salts:2", new SecretBytes(new Uint8Array([0xff, 0, 0x80])));
			await b.setExtension("gramjs:dc_keys", new Uint8Array(0));
			value.fill(0); // the stored value is a copy
			assert.deepEqual(
				bytes(await b.getExtension("mtcute:dc_main")),
				Array.from(seededBytes(300, 9)),
			);
			assert.deepEqual(bytes(await b.getExtension("gramjs:dc_keys")), []);
			assert.deepEqual(await b.listExtensionKeys("mtcute:"), ["mtcute:dc_main", "mtcute:salts:2"]);
			assert.deepEqual(await b.listExtensionKeys(), [
				"gramjs:dc_keys",
				"mtcute:dc_main",
				"mtcute:salts:2",
			]);
			await b.setExtension("mtcute:dc_main", new Uint8Array([1]));
			assert.deepEqual(bytes(await b.getExtension("mtcute:dc_main")), [1]);
			await b.deleteExtension("mtcute:dc_main");
			await b.deleteExtension("never-set");
			assert.equal(await b.getExtension("mtcute:dc_main"), null);
			const loaded = await b.load();
			assert.deepEqual([...(loaded?.extensions?.keys() ?? [])].sort(), [
				"gramjs:dc_keys",
				"mtcute:salts:2",
			]);
		},
		"extensions",
	);
	test(
		"extension writes leave the ferogram data alone and vice versa",
		async (open) => {
			const b = await open();
			const session = sampleSession(4);
			await b.save(session);
			await b.setExtension("a", new Uint8Array([1, 2]));
			await b.applyUpdateState({ type: "secondary", qts: 99 });
			const expected = cloneSession(session);
			expected.updatesState.qts = 99;
			expected.extensions = new Map([["a", new SecretBytes(new Uint8Array([1, 2]))]]);
			assertSameSession(await b.load(), expected);
		},
		"extensions",
	);
	test(
		"cachePeers with metadata replaces it; without metadata it keeps it",
		async (open) => {
			const b = await open();
			const user = testPeer("user", 42n, 420n);
			await b.cachePeers([withMeta(user, testPeerMeta(1))]);
			await b.cachePeers([withMeta(user, meta(["Second"], "+7 000", { name: "Two" }))]);
			await b.cachePeer({ ...user, accessHash: 0n }); // a min sighting: hash and metadata stay
			const got = await b.getPeer("user", 42n);
			assert.equal(got?.accessHash, 420n);
			assert.ok(peerMetaEqual(got?.meta, meta(["second"], "7000", { name: "Two" })), inspect(got));
			const expected = emptySession();
			expected.peers = [withMeta(user, meta(["second"], "7000", { name: "Two" }))];
			assertSameSession(await b.load(), expected);
		},
		"extensions",
	);
	test(
		"a full save without extension data removes what was there",
		async (open) => {
			const b = await open();
			await b.save(sessionWithExtensions(5));
			await b.setExtension("extra", new Uint8Array([5]));
			await b.save(sampleSession(5));
			assertSameSession(await b.load(), sampleSession(5));
			assert.equal(await b.getExtension("extra"), null);
			assert.equal(await b.findPeerByUsername("user_500"), null);
		},
		"extensions",
	);
	test(
		"delete() removes extension data",
		async (open) => {
			const b = await open();
			await b.save(sessionWithExtensions(6));
			await b.delete();
			assert.equal(await b.load(), null);
			assert.equal(await b.getExtension("mtcute:current_user"), null);
			assert.equal(await b.findPeerByUsername("user_600"), null);
			assert.deepEqual(await b.listExtensionKeys(), []);
		},
		"extensions",
	);
	test(
		"bad keys and bad metadata reject with INVALID_ARGUMENT and store nothing",
		async (open) => {
			const b = await open();
			await b.save(sampleSession(7));
			const invalid = (e: unknown) => isSessionError(e, "INVALID_ARGUMENT");
			await assert.rejects(b.setExtension("", new Uint8Array([1])), invalid);
			await assert.rejects(b.setExtension("k".repeat(256), new Uint8Array([1])), invalid);
			await assert.rejects(b.setExtension("k", "text" as unknown as Uint8Array), invalid);
			const bad = { ...testPeer("user", 9n, 9n), meta: { ...testPeerMeta(9), isMin: "yes" } };
			await assert.rejects(b.cachePeers([bad as unknown as CachedPeer]), invalid);
			const badSave = sampleSession(7);
			(badSave.peers[0] as CachedPeer).meta = { ...testPeerMeta(3), updatedAt: -1 };
			await assert.rejects(b.save(badSave), invalid);
			assertSameSession(await b.load(), sampleSession(7));
		},
		"extensions",
	);
	test(
		"extension values stay out of util.inspect and JSON.stringify",
		async (open) => {
			const b = await open();
			await b.save(sessionWithExtensions(8));
			const secret = Buffer.from(seededBytes(256, 8 + 701))
				.toString("hex")
				.slice(0, 24);
			const loaded = await b.load();
			const one = await b.getExtension("mtcute:temp_key:2:0");
			for (const text of [
				inspect(loaded, { depth: 10 }),
				JSON.stringify(loaded, (_k, v) => (typeof v === "bigint" ? String(v) : v)),
				inspect(one),
				JSON.stringify(one),
			])
				assert.ok(!text.includes(secret), "an extension value was printed");
		},
		"extensions",
	);
	test(
		"extension data is read back by a new instance",
		async (open) => {
			const a = await open();
			const session = sessionWithExtensions(9);
			await a.save(session);
			await a.setExtension("late", new Uint8Array([9, 9]));
			await a.cachePeers([withMeta(testPeer("chat", 5n), meta(["chatname"]))]);
			await a.close();
			const b = await open();
			session.extensions?.set("late", new SecretBytes(new Uint8Array([9, 9])));
			upsertPeers(session, [withMeta(testPeer("chat", 5n), meta(["chatname"]))]);
			assertSameSession(await b.load(), session);
			assert.equal((await b.findPeerByUsername("ChatName"))?.id, 5n);
		},
		"extensions",
		"persistent",
	);
	test(
		"extension data of sessions with different ids is isolated",
		async (open) => {
			const a = await open("a");
			const b = await open("b");
			await a.setExtension("k", new Uint8Array([1]));
			await a.cachePeers([withMeta(testPeer("user", 1n, 1n), meta(["shared"], "+100"))]);
			await b.cachePeers([withMeta(testPeer("user", 2n, 2n), meta(["shared"], "+100"))]);
			assert.equal(await b.getExtension("k"), null);
			assert.equal((await a.findPeerByUsername("shared"))?.id, 1n);
			assert.equal((await b.findPeerByUsername("shared"))?.id, 2n);
			assert.equal((await a.findPeerByPhone("100"))?.id, 1n);
			await b.delete();
			assert.equal((await a.findPeerByUsername("shared"))?.id, 1n);
			assert.deepEqual(await a.listExtensionKeys(), ["k"]);
		},
		"extensions",
		"multiSession",
	);
}
