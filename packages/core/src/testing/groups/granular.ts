import assert from "node:assert/strict";
import { upsertDc } from "../../dc-slots.js";
import { isSessionError, SessionBackendError } from "../../errors.js";
import { upsertPeers } from "../../peer-index.js";
import { SecretBytes } from "../../secret.js";
import { cloneSession, emptySession } from "../../session.js";
import type { PersistedSession } from "../../types.js";
import { DcFlags } from "../../types.js";
import { assertSameSession } from "../compare.js";
import { sampleSession, testAuthKey, testDc, testPeer, testPeers } from "../fixtures.js";
import type { Register } from "../suite-types.js";

/** The "granular methods" group: each single-field write (updateDc, setHomeDc, applyUpdateState, cachePeer(s)) and the matching rules. */
export function granularTests(test: Register): void {
	test("updateDc on empty storage creates a session with that DC", async (open) => {
		const b = await open();
		const dc = testDc({ authKey: testAuthKey(5), firstSalt: 99n, timeOffset: 2 });
		await b.updateDc(dc);
		const expected = emptySession();
		expected.dcs = [dc];
		assertSameSession(await b.load(), expected);
	});
	test("updateDc replaces the entry in the same slot and keeps other slots apart", async (open) => {
		const b = await open();
		const session = sampleSession();
		await b.save(session);
		const changes = [
			testDc({ dcId: 2, addr: "10.0.0.2:443", authKey: testAuthKey(77), firstSalt: 5n }),
			testDc({
				dcId: 2,
				addr: "10.0.0.3:443",
				flags: DcFlags.MEDIA_ONLY,
				authKey: testAuthKey(78),
			}),
			testDc({ dcId: 2, addr: "[::2]:443", flags: DcFlags.IPV6, authKey: testAuthKey(79) }),
			testDc({ dcId: 9, addr: "10.0.0.9:80", flags: DcFlags.CDN }),
		];
		for (const dc of changes) {
			await b.updateDc(dc);
			upsertDc(session, dc);
		}
		assertSameSession(await b.load(), session);
	});
	test("updateDc can remove a key (log out of one DC)", async (open) => {
		const b = await open();
		const session = sampleSession();
		await b.save(session);
		const dc2 = {
			...(session.dcs.find((d) => d.dcId === 2 && d.flags === 0) as PersistedSession["dcs"][0]),
		};
		dc2.authKey = null;
		await b.updateDc(dc2);
		upsertDc(session, dc2);
		assertSameSession(await b.load(), session);
	});
	test("setHomeDc changes only the home DC", async (open) => {
		const b = await open();
		const session = sampleSession();
		await b.save(session);
		await b.setHomeDc(4);
		session.homeDcId = 4;
		assertSameSession(await b.load(), session);
	});
	test("applyUpdateState: primary, secondary, channel and all", async (open) => {
		const b = await open();
		const session = sampleSession();
		await b.save(session);
		await b.applyUpdateState({ type: "primary", pts: 5000, date: 1_800_000_000, seq: 90 });
		Object.assign(session.updatesState, { pts: 5000, date: 1_800_000_000, seq: 90 });
		assertSameSession(await b.load(), session, "after primary");
		await b.applyUpdateState({ type: "secondary", qts: 31 });
		session.updatesState.qts = 31;
		assertSameSession(await b.load(), session, "after secondary");
		await b.applyUpdateState({ type: "channel", channelId: 1_500_000_002n, pts: 13 });
		await b.applyUpdateState({ type: "channel", channelId: 1_600_000_000n, pts: 1 });
		session.updatesState.channels = [
			{ channelId: 1_500_000_001n, pts: 900 },
			{ channelId: 1_500_000_002n, pts: 13 },
			{ channelId: 1_600_000_000n, pts: 1 },
		];
		assertSameSession(await b.load(), session, "after channel");
		const all = { pts: 3, qts: 2, date: 1, seq: 0, channels: [{ channelId: 5n, pts: 6 }] };
		await b.applyUpdateState({ type: "all", state: all });
		session.updatesState = all;
		assertSameSession(await b.load(), session, "after all (counters may go backwards)");
	});
	test("applyUpdateState on empty storage starts from an empty session", async (open) => {
		const b = await open();
		await b.applyUpdateState({ type: "secondary", qts: 8 });
		const expected = emptySession();
		expected.updatesState.qts = 8;
		assertSameSession(await b.load(), expected);
	});
	test("cachePeer inserts and updates by (kind, id)", async (open) => {
		const b = await open();
		await b.save(sampleSession());
		const session = sampleSession();
		const changes = [
			testPeer("user", 9n, 90n),
			testPeer("chat", 9n),
			testPeer("channel", 9n, 91n, "broadcast"),
			testPeer("community", 9n, 92n),
			testPeer("user", 9n, 93n),
		];
		for (const p of changes) await b.cachePeer(p);
		upsertPeers(session, changes);
		const loaded = await b.load();
		assertSameSession(loaded, session);
		assert.equal(
			loaded.peers.filter((p) => p.id === 9n).length,
			4,
			"four kinds of id 9 kept apart",
		);
	});
	test("a zero hash or unknown channel kind never erases what is known", async (open) => {
		const b = await open();
		await b.cachePeer(testPeer("channel", 7n, 70n, "megagroup"));
		await b.cachePeer(testPeer("channel", 7n, 0n, null));
		await b.cachePeer(testPeer("user", 8n, 80n));
		await b.cachePeer(testPeer("user", 8n, 0n));
		const expected = emptySession();
		expected.peers = [testPeer("channel", 7n, 70n, "megagroup"), testPeer("user", 8n, 80n)];
		assertSameSession(await b.load(), expected);
		await b.cachePeer(testPeer("channel", 7n, 71n, null));
		expected.peers[0] = testPeer("channel", 7n, 71n, "megagroup");
		assertSameSession(await b.load(), expected);
	});
	test("cachePeers stores a batch, merging repeats within it", async (open) => {
		const b = await open();
		const session = sampleSession();
		await b.save(session);
		const batch = [
			...testPeers(2000, 9),
			testPeer("user", 1_000_000n, 0n),
			testPeer("chat", 5n),
			testPeer("chat", 5n),
		];
		await b.cachePeers(batch);
		await b.cachePeers([]);
		upsertPeers(session, batch);
		assertSameSession(await b.load(), session);
	});
	test("granular writes keep the rest of the session intact", async (open) => {
		const b = await open();
		const session = sampleSession();
		await b.save(session);
		await b.cachePeer(testPeer("user", 1n, 1n));
		await b.applyUpdateState({ type: "primary", pts: 1, date: 2, seq: 3 });
		upsertPeers(session, [testPeer("user", 1n, 1n)]);
		Object.assign(session.updatesState, { pts: 1, date: 2, seq: 3 });
		const loaded = await b.load();
		assertSameSession(loaded, session);
		assert.ok(loaded.futureAuthToken !== null, "the token survives granular writes");
	});
	test("an auth key of 255 or 257 bytes is refused on every write; the stored session stays loadable and unchanged", async (open) => {
		const b = await open();
		const session = sampleSession();
		await b.save(session);
		const slot = session.dcs.find((d) => d.authKey) ?? testDc();
		for (const length of [255, 257]) {
			const key = new SecretBytes(new Uint8Array(length).fill(0xa7));
			const shown = Buffer.from(key.expose().subarray(0, 12)).toString("hex");
			const refused = (e: unknown) =>
				isSessionError(e, "INVALID_ARGUMENT") &&
				e.message.includes(String(length)) &&
				!e.message.includes(shown);
			// in the slot of a working key (overwriting it is what locks an account out), and in a new one
			for (const dc of [{ ...slot, authKey: key }, testDc({ dcId: 5, authKey: key })]) {
				await assert.rejects(b.updateDc(dc), refused, `updateDc with ${length} bytes`);
				await assert.rejects(
					b.applyChanges({ dcs: [dc], homeDcId: 5 }),
					refused,
					`applyChanges with ${length} bytes`,
				);
				const bad = cloneSession(session);
				upsertDc(bad, dc);
				await assert.rejects(b.save(bad), refused, `save with ${length} bytes`);
			}
		}
		await b.flush();
		assertSameSession(await b.load(), session);
		if (b.capabilities.persistent) {
			await b.close();
			assertSameSession(await (await open()).load(), session);
		}
	});
	test("a DC address over 255 bytes is refused on every write; the stored session stays loadable and unchanged", async (open) => {
		const b = await open();
		const session = sampleSession();
		await b.save(session);
		const slot = session.dcs.find((d) => d.authKey) ?? testDc();
		// 256 bytes as ASCII, and as 128 two-byte characters (the limit counts UTF-8 bytes)
		for (const addr of ["a".repeat(256), "\u00e9".repeat(128), "x".repeat(300)]) {
			const refused = (e: unknown) => isSessionError(e, "ENCODE_OVERFLOW") && /255/.test(e.message);
			for (const dc of [{ ...slot, addr }, testDc({ dcId: 5, addr })]) {
				const what = `${addr.length} characters`;
				await assert.rejects(b.updateDc(dc), refused, `updateDc, ${what}`);
				await assert.rejects(
					b.applyChanges({ dcs: [dc], homeDcId: 5 }),
					refused,
					`applyChanges, ${what}`,
				);
				const bad = cloneSession(session);
				upsertDc(bad, dc);
				await assert.rejects(b.save(bad), refused, `save, ${what}`);
			}
		}
		await b.flush();
		assertSameSession(await b.load(), session);
		if (b.capabilities.persistent) {
			await b.close();
			assertSameSession(await (await open()).load(), session);
		}
	});
	test("an address of exactly 255 UTF-8 bytes is stored on every backend", async (open) => {
		const b = await open();
		const session = sampleSession();
		await b.save(session);
		const dc = testDc({ dcId: 5, addr: `${"\u00e9".repeat(127)}a` });
		await b.updateDc(dc);
		upsertDc(session, dc);
		assertSameSession(await b.load(), session);
	});
	test("values the session format cannot hold (i32, i64, kinds, token length) are refused on every write; nothing changes", async (open) => {
		const b = await open();
		const session = sampleSession();
		await b.save(session);
		const big = 2 ** 31;
		const over = 2n ** 63n;
		const refused = (e: unknown) => e instanceof SessionBackendError;
		const attempts: [string, () => Promise<unknown>][] = [
			["setHomeDc", () => b.setHomeDc(big)],
			["updateDc dcId", () => b.updateDc(testDc({ dcId: big }))],
			["primary pts", () => b.applyUpdateState({ type: "primary", pts: big, date: 1, seq: 1 })],
			["secondary qts", () => b.applyUpdateState({ type: "secondary", qts: -big - 1 })],
			["channel pts", () => b.applyUpdateState({ type: "channel", channelId: 7n, pts: big })],
			["channel id", () => b.applyUpdateState({ type: "channel", channelId: over, pts: 1 })],
			["peer id", () => b.cachePeer(testPeer("user", over))],
			["peer kind", () => b.cachePeer({ ...testPeer("user", 7n), kind: "bot" as "user" })],
			["applyChanges homeDcId", () => b.applyChanges({ homeDcId: big })],
		];
		const saved = (edit: (s: PersistedSession) => void) => () => {
			const bad = cloneSession(session);
			edit(bad);
			return b.save(bad);
		};
		attempts.push(
			[
				"save homeDcId",
				saved((s) => {
					s.homeDcId = big;
				}),
			],
			[
				"save pts",
				saved((s) => {
					s.updatesState.pts = big;
				}),
			],
			[
				"save seq",
				saved((s) => {
					s.updatesState.seq = 1.5;
				}),
			],
			[
				"save dcId",
				saved((s) => {
					s.dcs.push(testDc({ dcId: big }));
				}),
			],
			[
				"save salt",
				saved((s) => {
					s.dcs.push(testDc({ dcId: 5, firstSalt: over }));
				}),
			],
			[
				"save channel pts",
				saved((s) => {
					s.updatesState.channels.push({ channelId: 1n, pts: big });
				}),
			],
			[
				"save min peer",
				saved((s) => {
					s.minPeers.push({ userId: over, peerId: 1n, msgId: 1 });
				}),
			],
			[
				"save peer hash",
				saved((s) => {
					s.peers.push(testPeer("user", 9n, over));
				}),
			],
			[
				"save token",
				saved((s) => {
					s.futureAuthToken = new SecretBytes(new Uint8Array(65_536));
				}),
			],
		);
		for (const [what, write] of attempts) await assert.rejects(write(), refused, what);
		await b.flush();
		assertSameSession(await b.load(), session);
	});
}
