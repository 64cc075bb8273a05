import assert from "node:assert/strict";
import { inspect } from "node:util";
import type { SessionBackend } from "../backend.js";
import { decodeSession } from "../codec/decode.js";
import { encodeSession } from "../codec/encode.js";
import { isSessionError } from "../errors.js";
import { findPeerByPhoneIn, findPeerByUsernameIn, peerMetaEqual } from "../extensions.js";
import { PEER_KINDS } from "../kinds.js";
import { upsertPeers } from "../peer-index.js";
import { findPeer } from "../peers.js";
import { SecretBytes } from "../secret.js";
import { cloneSession, emptySession } from "../session.js";
import type { CachedPeer, PeerKind, PeerMeta, PersistedSession } from "../types.js";
import { assertSameSession } from "./compare.js";
import {
	sampleSession,
	seededBytes,
	seededRandom,
	sessionWithExtensions,
	testPeer,
	testPeerMeta,
	testPeers,
} from "./fixtures.js";
import type { ConformanceStore } from "./types.js";

type Open = (sessionId?: string) => Promise<SessionBackend>;
type Body = (open: Open, store: ConformanceStore) => Promise<void>;
type Capability = keyof SessionBackend["capabilities"];
type Register = (name: string, body: Body, requires: Capability, alsoRequires?: Capability) => void;

const meta = (usernames: string[], phone: string | null = null, over: Partial<PeerMeta> = {}) =>
	({ usernames, phone, name: null, updatedAt: 0, isMin: false, data: null, ...over }) as PeerMeta;
const withMeta = (peer: CachedPeer, m: PeerMeta): CachedPeer => ({ ...peer, meta: m });
const bytes = (s: SecretBytes | null) => (s ? Array.from(s.expose()) : null);

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

/** The "nativeLookups" group: the native queries agree with lookups over a loaded session. */
export function nativeLookupTests(test: Register): void {
	test(
		"native lookups agree with lookups over load() on a seeded workload",
		async (open) => {
			const b = await open();
			const next = seededRandom(77);
			const model: PersistedSession = emptySession();
			const kinds = PEER_KINDS;
			for (let round = 0; round < 20; round++) {
				const batch: CachedPeer[] = [];
				for (let i = 0; i < 100; i++) {
					const kind = kinds[next() % 4] as PeerKind;
					const peer = testPeer(kind, BigInt(next() % 500), BigInt(next() % 3));
					if (next() % 4 !== 0)
						peer.meta = meta(
							next() % 5 === 0 ? [] : [`N${next() % 400}`, `m${next() % 400}`],
							next() % 3 === 0 ? null : `+${next() % 300}`,
							{ updatedAt: round },
						);
					batch.push(peer);
				}
				await b.cachePeers(batch);
				upsertPeers(
					model,
					batch.map((p) => (p.meta ? { ...p, meta: normalized(p.meta) } : p)),
				);
			}
			const stored = await b.load();
			assertSameSession(stored, model);
			for (let q = 0; q < 400; q++) {
				const name = `${q % 2 ? "N" : "m"}${q}`;
				const want = findPeerByUsernameIn(model, name) ?? null;
				const got = await b.findPeerByUsername(name);
				assert.equal(got && `${got.kind}:${got.id}`, want && `${want.kind}:${want.id}`, name);
				const phone = `${q % 310}`;
				const wantPhone = findPeerByPhoneIn(model, phone) ?? null;
				const gotPhone = await b.findPeerByPhone(phone);
				assert.equal(
					gotPhone && `${gotPhone.kind}:${gotPhone.id}`,
					wantPhone && `${wantPhone.kind}:${wantPhone.id}`,
					phone,
				);
				const kind = kinds[q % 4] as PeerKind;
				const id = BigInt(q % 520);
				const wantPeer = findPeer(model, kind, id) ?? null;
				const gotPeer = await b.getPeer(kind, id);
				assert.equal(gotPeer?.accessHash, wantPeer?.accessHash, `${kind} ${id}`);
				assert.ok(peerMetaEqual(gotPeer?.meta, wantPeer?.meta), `${kind} ${id} metadata`);
			}
		},
		"nativeLookups",
	);
}

function normalized(m: PeerMeta): PeerMeta {
	return {
		...m,
		usernames: [...new Set(m.usernames.map((u) => u.toLowerCase()))],
		phone: m.phone === null ? null : m.phone.replace(/\D/g, "") || null,
	};
}
