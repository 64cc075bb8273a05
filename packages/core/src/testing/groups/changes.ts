import assert from "node:assert/strict";
import { isSessionError, SessionBackendError } from "../../errors.js";
import { emptySession } from "../../session.js";
import type { CachedPeer, SessionChanges } from "../../types.js";
import { assertSameSession } from "../compare.js";
import {
	I64_MAX,
	sampleSession,
	seededBytes,
	testAuthKey,
	testDc,
	testPeer,
	testPeerMeta,
	testPeers,
} from "../fixtures.js";
import type { Register } from "../suite-types.js";
import { bytes, expectedAfter, ferogramBatch, fullBatch } from "./changes-batches.js";

/** The "changes" group: `applyChanges` applies every part, in order, all or nothing. */
export function changesTests(test: Register): void {
	test("each ferogram part round-trips through load()", async (open) => {
		const b = await open();
		const start = sampleSession(3);
		await b.save(start);
		let expected = start;
		const batch = ferogramBatch(3);
		// one part per call, then all of them again in one call
		for (const key of Object.keys(batch) as (keyof SessionChanges)[]) {
			const part = { [key]: batch[key] } as SessionChanges;
			await b.applyChanges(part);
			expected = expectedAfter(expected, part);
			assertSameSession(await b.load(), expected, `after the ${key} part`);
		}
		const second = ferogramBatch(4);
		await b.applyChanges(second);
		assertSameSession(await b.load(), expectedAfter(expected, second));
	});
	test(
		"extension parts and peer metadata round-trip through load() and the lookups",
		async (open) => {
			const b = await open();
			await b.save(sampleSession(5));
			await b.setExtension("mtcute:old", new Uint8Array([1, 2]));
			const start = await b.load();
			assert.ok(start);
			const batch = fullBatch(5);
			await b.applyChanges(batch);
			assertSameSession(await b.load(), expectedAfter(start, batch));
			assert.equal(await b.getExtension("mtcute:old"), null);
			assert.deepEqual(
				bytes(await b.getExtension("mtcute:dc_main")),
				Array.from(seededBytes(300, 5)),
			);
			assert.deepEqual(bytes(await b.getExtension("gramjs:empty")), []);
			assert.deepEqual(await b.listExtensionKeys("mtcute:"), ["mtcute:dc_main", "mtcute:salts:2"]);
			const found = await b.findPeerByUsername("USER_35");
			assert.equal(found?.id, 9_000_003n);
			assert.equal((await b.findPeerByPhone("+1 555 000035"))?.id, 9_000_003n);
			assert.equal((await b.getPeer("channel", 9_000_001n))?.accessHash, 91n);
		},
		"extensions",
	);
	test("parts apply in field order; repeats within a part, the last wins", async (open) => {
		const b = await open();
		await b.save(sampleSession(6));
		const start = await b.load();
		assert.ok(start);
		const batch: SessionChanges = {
			dcs: [
				testDc({ dcId: 3, addr: "10.3.0.1:443" }),
				testDc({ dcId: 3, addr: "10.3.0.2:443", authKey: testAuthKey(31) }),
			],
			updateState: [
				{ type: "channel", channelId: 1_700_000_000n, pts: 1 },
				{
					type: "all",
					state: { pts: 1, qts: 2, date: 3, seq: 4, channels: [{ channelId: 5n, pts: 6 }] },
				},
				{ type: "channel", channelId: 1_700_000_001n, pts: 8 },
				{ type: "secondary", qts: 9 },
			],
			deleteMinPeers: [777_000_001n],
			minPeers: [
				{ userId: 777_000_001n, peerId: 1n, msgId: 1 },
				{ userId: 777_000_001n, peerId: 2n, msgId: 2 },
			],
		};
		await b.applyChanges(batch);
		const loaded = await b.load();
		assertSameSession(loaded, expectedAfter(start, batch));
		assert.deepEqual(
			loaded.minPeers.find((m) => m.userId === 777_000_001n),
			{ userId: 777_000_001n, peerId: 2n, msgId: 2 },
			"deleteMinPeers runs before minPeers",
		);
		assert.equal(
			loaded.updatesState.channels.length,
			2,
			"the whole-state change replaced the list",
		);
	});
	test(
		"deleteExtensions runs before setExtensions",
		async (open) => {
			const b = await open();
			await b.setExtension("k", new Uint8Array([1]));
			await b.setExtension("gone", new Uint8Array([2]));
			await b.applyChanges({
				deleteExtensions: ["k", "gone"],
				setExtensions: [
					["k", new Uint8Array([3])],
					["k", new Uint8Array([4])],
				],
			});
			assert.deepEqual(bytes(await b.getExtension("k")), [4]);
			assert.equal(await b.getExtension("gone"), null);
			assert.deepEqual(await b.listExtensionKeys(), ["k"]);
		},
		"extensions",
	);
	test(
		"a username or phone moving between peers inside one batch ends with its last claimant",
		async (open) => {
			const b = await open();
			const meta = (usernames: string[], phone: string | null) => ({
				...testPeerMeta(1),
				usernames,
				phone,
			});
			await b.cachePeers([{ ...testPeer("user", 1n, 11n), meta: meta(["alice"], "111") }]);
			await b.applyChanges({
				peers: [
					{ ...testPeer("user", 2n, 22n), meta: meta(["alice", "bob"], null) },
					{ ...testPeer("channel", 3n, 33n), meta: meta(["bob"], "111") },
				],
			});
			assert.equal((await b.findPeerByUsername("alice"))?.id, 2n);
			assert.equal((await b.findPeerByUsername("@Bob"))?.id, 3n);
			assert.equal((await b.findPeerByPhone("111"))?.id, 3n);
			const first = await b.getPeer("user", 1n);
			assert.deepEqual(first?.meta?.usernames, []);
			assert.equal(first?.meta?.phone, null);
			assert.deepEqual((await b.getPeer("user", 2n))?.meta?.usernames, ["alice"]);
			const loaded = await b.load();
			const owners = loaded?.peers.filter((p) => p.meta?.usernames.includes("bob"));
			assert.deepEqual(
				owners?.map((p) => p.id),
				[3n],
			);
		},
		"extensions",
	);
	test(
		"a batch with every part survives reopening",
		async (open) => {
			const a = await open();
			await a.save(sampleSession(8));
			await a.setExtension("mtcute:old", new Uint8Array([9]));
			const start = await a.load();
			assert.ok(start);
			const batch = fullBatch(8);
			await a.applyChanges(batch);
			await a.close();
			const b = await open();
			assertSameSession(await b.load(), expectedAfter(start, batch));
			assert.equal((await b.findPeerByUsername("user_38"))?.id, 9_000_003n);
		},
		"persistent",
		"extensions",
	);
	test("an invalid peer as the last part rejects and applies nothing", async (open) => {
		const b = await open();
		await b.save(sampleSession(9));
		const batch = ferogramBatch(9);
		const bad: SessionChanges = {
			...batch,
			deleteMinPeers: [],
			minPeers: [],
			peers: [...(batch.peers ?? []), testPeer("user", I64_MAX + 1n, 1n)],
		};
		const error = await b.applyChanges(bad).then(
			() => undefined,
			(e: unknown) => e,
		);
		assert.ok(
			error instanceof SessionBackendError,
			`rejects with a SessionBackendError: ${String(error)}`,
		);
		assertSameSession(await b.load(), sampleSession(9));
		assert.equal(await b.getPeer("channel", 9_000_001n), null);
		// so does a bad min peer after good peers
		const badMin: SessionChanges = {
			peers: batch.peers ?? [],
			minPeers: [{ userId: 1n, peerId: 2n, msgId: 2 ** 31 }],
		};
		await assert.rejects(b.applyChanges(badMin), SessionBackendError);
		assertSameSession(await b.load(), sampleSession(9));
	});
	test(
		"an invalid extension key as the last part rejects and applies nothing",
		async (open) => {
			const b = await open();
			await b.save(sampleSession(10));
			await b.setExtension("mtcute:old", new Uint8Array([7]));
			const start = await b.load();
			assert.ok(start);
			const batch = fullBatch(10);
			const bad = {
				...batch,
				setExtensions: [...(batch.setExtensions ?? []), ["", new Uint8Array([1])] as const],
			};
			await assert.rejects(b.applyChanges(bad), (e: unknown) =>
				isSessionError(e, "INVALID_ARGUMENT"),
			);
			assertSameSession(await b.load(), start);
			assert.deepEqual(bytes(await b.getExtension("mtcute:old")), [7]);
			assert.equal(await b.getExtension("mtcute:dc_main"), null);
			assert.equal(await b.findPeerByUsername("user_40"), null);
			assert.equal(await b.getPeer("channel", 9_000_001n), null);
			const notBytes = { ...batch, setExtensions: [["k", "text"]] } as unknown as SessionChanges;
			await assert.rejects(b.applyChanges(notBytes), (e: unknown) =>
				isSessionError(e, "INVALID_ARGUMENT"),
			);
			assertSameSession(await b.load(), start);
		},
		"extensions",
	);
	test(
		"extension parts reject with UNSUPPORTED and apply nothing",
		async (open) => {
			const b = await open();
			await b.save(sampleSession(11));
			const unsupported = (e: unknown) => isSessionError(e, "UNSUPPORTED");
			await assert.rejects(
				b.applyChanges({ ...ferogramBatch(11), setExtensions: [["k", new Uint8Array([1])]] }),
				unsupported,
			);
			await assert.rejects(
				b.applyChanges({ ...ferogramBatch(11), deleteExtensions: ["k"] }),
				unsupported,
			);
			assertSameSession(await b.load(), sampleSession(11));
		},
		"!extensions",
	);
	test("batches interleaved with granular calls lose nothing", async (open) => {
		const b = await open();
		await b.save(sampleSession(12));
		let expected = sampleSession(12);
		const calls: Promise<void>[] = [];
		const peers = testPeers(80, 12).map((p) => ({ ...p, id: p.id + 20_000_000n }));
		peers.forEach((p, i) => {
			const batch: SessionChanges = {
				peers: [p],
				updateState: [{ type: "channel", channelId: BigInt(3_000_000 + i), pts: i }],
				minPeers: [{ userId: BigInt(4_000_000 + i), peerId: p.id, msgId: i }],
			};
			if (i % 2 === 0) {
				calls.push(b.applyChanges(batch));
				expected = expectedAfter(expected, batch);
			} else {
				// the same writes through the granular methods (min peers only exist in batches)
				calls.push(b.cachePeer(p));
				calls.push(
					b.applyUpdateState({ type: "channel", channelId: BigInt(3_000_000 + i), pts: i }),
				);
				calls.push(b.applyChanges({ minPeers: batch.minPeers ?? [] }));
				expected = expectedAfter(expected, batch);
			}
			if (i % 10 === 0) {
				calls.push(b.setHomeDc(i));
				expected.homeDcId = i;
			}
		});
		const home = b.applyChanges({ homeDcId: 5, dcs: [testDc({ dcId: 5, addr: "10.5.0.1:443" })] });
		const seen = b.load();
		calls.push(home);
		await Promise.all(calls);
		expected = expectedAfter(expected, {
			homeDcId: 5,
			dcs: [testDc({ dcId: 5, addr: "10.5.0.1:443" })],
		});
		// a load issued after a batch sees all of it
		assertSameSession(await seen, expected);
		assertSameSession(await b.load(), expected);
	});
	test("an empty batch is a no-op; after close() it rejects with CLOSED", async (open) => {
		const b = await open();
		await b.applyChanges({});
		await b.applyChanges({ dcs: [], peers: [], updateState: [], minPeers: [], deleteMinPeers: [] });
		assert.equal(await b.load(), null, "an empty batch creates no session");
		await b.save(sampleSession(13));
		await b.applyChanges({});
		assertSameSession(await b.load(), sampleSession(13));
		await b.close();
		await assert.rejects(b.applyChanges({}), (e: unknown) => isSessionError(e, "CLOSED"));
		await assert.rejects(b.applyChanges({ homeDcId: 1 }), (e: unknown) =>
			isSessionError(e, "CLOSED"),
		);
	});
	test("a batch on empty storage starts from an empty session", async (open) => {
		const b = await open();
		const batch = ferogramBatch(14);
		await b.applyChanges(batch);
		assertSameSession(await b.load(), expectedAfter(emptySession(), batch));
	});
	test("changing the batch's objects after the call does not change what is stored", async (open) => {
		const b = await open();
		const peer: CachedPeer = testPeer("user", 50n, 500n);
		const batch = { peers: [peer], homeDcId: 3, minPeers: [{ userId: 1n, peerId: 2n, msgId: 3 }] };
		const write = b.applyChanges(batch);
		peer.accessHash = 999n;
		(batch.minPeers[0] as { msgId: number }).msgId = 99;
		await write;
		const loaded = await b.load();
		assert.equal(loaded?.peers.find((p) => p.id === 50n)?.accessHash, 500n);
		assert.equal(loaded?.minPeers[0]?.msgId, 3);
	});
}
