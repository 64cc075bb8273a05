import assert from "node:assert/strict";
import { inspect } from "node:util";
import type { SessionBackend } from "../backend.js";
import { upsertDc } from "../dc-slots.js";
import { isSessionError, SessionBackendError } from "../errors.js";
import { upsertPeers } from "../peer-index.js";
import { SecretBytes } from "../secret.js";
import { cloneSession, emptySession } from "../session.js";
import type { PersistedSession } from "../types.js";
import { DcFlags } from "../types.js";
import { assertSameSession } from "./compare.js";
import { changesTests, type Requirement } from "./conformance-changes.js";
import { extensionTests, lookupTests, nativeLookupTests } from "./conformance-extensions.js";
import {
	edgeCaseSessions,
	sampleSession,
	testAuthKey,
	testDc,
	testPeer,
	testPeers,
} from "./fixtures.js";
import type {
	ConformanceHarness,
	ConformanceOptions,
	ConformanceStore,
	TestRunner,
} from "./types.js";

type Body = (
	open: (sessionId?: string) => Promise<SessionBackend>,
	store: ConformanceStore,
) => Promise<void>;
type Capability = keyof SessionBackend["capabilities"];
/** What runners pass to a test function: vitest's and node:test's contexts can mark it skipped. */
type TestContext = { skip?: (note?: string) => void } | undefined;

/**
 * Registers the conformance tests for one backend with the given runner. Tests are grouped by
 * capability; a test of a capability the backend declares `false` reports itself skipped
 * (through the runner's test context where it has one), so nothing passes by omission.
 */
export function runConformanceSuite(
	runner: TestRunner,
	harness: ConformanceHarness,
	options: ConformanceOptions = {},
): void {
	const timeout = options.timeout ?? 30_000;
	const probe = capabilityProbe(harness);

	/** A test on fresh storage; everything opened is closed and the store destroyed after. */
	const test = (
		name: string,
		body: Body,
		ms = timeout,
		requires?: Requirement | readonly Requirement[],
	) =>
		runner.it(
			name,
			async (context?: TestContext) => {
				for (const requirement of requires === undefined ? [] : [requires].flat()) {
					// `!capability`: the test is about a backend that lacks it
					const lacks = requirement.startsWith("!");
					const capability = (lacks ? requirement.slice(1) : requirement) as Capability;
					if ((await probe(capability)) !== lacks) continue;
					context?.skip?.(`${harness.name} declares ${capability}: ${lacks}`);
					return;
				}
				const store = await harness.createStore();
				const opened: SessionBackend[] = [];
				const open = async (sessionId?: string) => {
					const backend = await store.open(sessionId);
					opened.push(backend);
					return backend;
				};
				try {
					await body(open, store);
				} finally {
					for (const b of opened) await b.close().catch(() => undefined);
					await store.destroy();
				}
			},
			ms,
		);

	/** A group of tests that only apply when the backend declares `capability`. */
	const when = (capability: string, register: () => void) =>
		runner.describe(`when ${capability}`, register);
	const ifCapable = (capability: Capability, name: string, body: Body) =>
		test(name, body, timeout, capability);

	runner.describe(`SessionBackend conformance: ${harness.name}`, () => {
		runner.describe("identity", () => {
			test("has a name and declares every capability", async (open) => {
				const b = await open();
				assert.equal(typeof b.name, "string");
				assert.ok(b.name.length > 0);
				for (const key of [
					"persistent",
					"multiSession",
					"locking",
					"nativeGranular",
					"coalescing",
					"extensions",
					"nativeLookups",
				] as const)
					assert.equal(typeof b.capabilities[key], "boolean", `capabilities.${key}`);
			});
		});

		runner.describe("round trips", () => {
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
			test(
				"stores 65 535 peers, the most a v8 file holds",
				async (open) => {
					const b = await open();
					const session = { ...sampleSession(3), peers: testPeers(65_535, 3) };
					await b.save(session);
					assertSameSession(await b.load(), session);
				},
				Math.max(timeout, 120_000),
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
		});

		runner.describe("granular methods", () => {
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
					const refused = (e: unknown) =>
						isSessionError(e, "ENCODE_OVERFLOW") && /255/.test(e.message);
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
		});

		runner.describe("concurrency", () => {
			test("concurrent granular calls on one instance lose nothing", async (open) => {
				const b = await open();
				await b.save(sampleSession());
				const session = sampleSession();
				const peers = testPeers(120, 21).map((p) => ({ ...p, id: p.id + 10_000_000n }));
				const calls: Promise<void>[] = [];
				peers.forEach((p, i) => {
					calls.push(b.cachePeer(p));
					calls.push(
						b.applyUpdateState({ type: "channel", channelId: BigInt(2_000_000 + i), pts: i }),
					);
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
		});

		runner.describe("delete and lifecycle", () => {
			test("delete() removes the session; writes afterwards start from empty", async (open) => {
				const b = await open();
				await b.delete();
				await b.save(sampleSession());
				await b.delete();
				assert.equal(await b.load(), null);
				await b.cachePeer(testPeer("chat", 3n));
				const expected = emptySession();
				expected.peers = [testPeer("chat", 3n)];
				assertSameSession(await b.load(), expected);
			});
			test("flush() resolves; close() is idempotent and later calls reject with CLOSED", async (open) => {
				const b = await open();
				await b.save(sampleSession());
				await b.flush();
				await b.close();
				await b.close();
				await assert.rejects(b.load(), (e: unknown) => isSessionError(e, "CLOSED"));
				await assert.rejects(b.setHomeDc(1), (e: unknown) => isSessionError(e, "CLOSED"));
			});
		});

		when("persistent", () => {
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
		});

		when("multiSession", () => {
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
			ifCapable(
				"multiSession",
				"the default session id is independent of named ones",
				async (open) => {
					const d = await open();
					const n = await open("named");
					await n.save(sampleSession(5));
					assert.equal(await d.load(), null);
				},
			);
		});

		when("locking", () => {
			ifCapable(
				"locking",
				"a second open of a held session rejects with LOCKED within 1 s",
				async (open) => {
					const a = await open("locked");
					await a.save(sampleSession());
					const started = Date.now();
					await assert.rejects(open("locked"), (e: unknown) => isSessionError(e, "LOCKED"));
					assert.ok(Date.now() - started < 1500, "rejected within about a second");
					await a.close();
					const b = await open("locked");
					assertSameSession(await b.load(), sampleSession());
				},
			);
			ifCapable("locking", "the lock error names no secret", async (open) => {
				const a = await open("held");
				await a.save(sampleSession());
				const error = await open("held").then(
					() => undefined,
					(e: unknown) => e,
				);
				assert.ok(error instanceof SessionBackendError);
				const keyHex = Buffer.from(testAuthKey(1).expose()).toString("hex").slice(0, 24);
				assert.ok(!inspect(error).includes(keyHex));
			});
		});

		const register = (name: string, body: Body, requires: Capability, also?: Capability) =>
			test(name, body, timeout, also ? [requires, also] : requires);
		runner.describe("changes", () =>
			changesTests((name, body, ...requires) => test(name, body, timeout, requires)),
		);
		when("extensions", () => extensionTests(register));
		when("extensions: lookups", () => lookupTests(register));
		when("nativeLookups", () => nativeLookupTests(register));

		when("coalescing", () => {
			ifCapable(
				"coalescing",
				"writes followed by flush() are all visible to a new load()",
				async (open) => {
					const b = await open();
					for (let i = 1; i <= 50; i++)
						void b.applyUpdateState({ type: "primary", pts: i, date: i, seq: i });
					await b.flush();
					assert.equal((await b.load())?.updatesState.pts, 50);
				},
			);
		});
	});
}

/** Opens a throwaway store once per capability to read the backend's declarations. */
function capabilityProbe(harness: ConformanceHarness) {
	let declared: Promise<SessionBackend["capabilities"]> | undefined;
	return async (capability: Capability): Promise<boolean> => {
		declared ??= (async () => {
			const store = await harness.createStore();
			try {
				const b = await store.open("capability-probe");
				const caps = { ...b.capabilities };
				await b.close();
				return caps;
			} finally {
				await store.destroy();
			}
		})();
		return (await declared)[capability];
	};
}

function bigintText(_key: string, value: unknown): unknown {
	return typeof value === "bigint" ? value.toString() : value;
}
