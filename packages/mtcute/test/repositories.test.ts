// mtcute's repository rules, on every backend, through the adapter alone (the client comes in
// client.test.ts). Each "restart" closes the backend and opens the same store again.
import { randomBytes } from "node:crypto";
import type { SessionBackend } from "@x/session-core";
import { sampleSession, testPeers } from "@x/session-core/testing";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { MTCUTE_KEYS, type MtcuteStorage, mtcuteStorage, type PeerInfo } from "../src/index.js";
import { counting, redis, STORES, type Store } from "./stores.js";

afterAll(() => redis.disconnect());

const KEY = new Uint8Array(randomBytes(256));
const OTHER_KEY = new Uint8Array(randomBytes(256));

function peer(id: number, extra: Partial<PeerInfo> = {}): PeerInfo {
	return {
		id,
		accessHash: id < 0 && id > -1e12 ? "" : `${id % 100000}|${-7}`,
		isMin: false,
		usernames: [],
		updated: 1_733_000_000_123,
		complete: new Uint8Array([0xde, 0xad, id & 0xff]),
		...extra,
	};
}

/** `backend` with its writes held while `gate.hold` is set, and failing while `gate.fail` is. */
function gated(backend: SessionBackend): {
	backend: SessionBackend;
	gate: { hold: Promise<void> | null; fail: boolean };
} {
	const gate: { hold: Promise<void> | null; fail: boolean } = { hold: null, fail: false };
	const proxy = new Proxy(backend, {
		get(target, prop, receiver) {
			const value = Reflect.get(target, prop, receiver);
			if (typeof value !== "function") return value;
			if (prop !== "applyChanges")
				return (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args);
			return async (...args: Parameters<SessionBackend["applyChanges"]>) => {
				if (gate.hold) await gate.hold;
				if (gate.fail) throw new Error("backend down (test)");
				return target.applyChanges(...args);
			};
		},
	});
	return { backend: proxy, gate };
}

function int32(n: number): Uint8Array {
	const b = new Uint8Array(4);
	new DataView(b.buffer).setInt32(0, n, true);
	return b;
}

describe.each(STORES.filter((s) => s.available))("on $name", (kind) => {
	let store: Store;
	const open: MtcuteStorage[] = [];
	afterEach(async () => {
		for (const s of open.splice(0)) await s.destroy().catch(() => undefined);
		await store?.cleanup();
	});

	async function start(options: Parameters<typeof mtcuteStorage>[1] = {}): Promise<MtcuteStorage> {
		const storage = mtcuteStorage(await store.open(), options);
		open.push(storage);
		await storage.driver.load();
		return storage;
	}

	async function restart(storage: MtcuteStorage): Promise<MtcuteStorage> {
		await storage.destroy();
		open.splice(open.indexOf(storage), 1);
		return start();
	}

	function fresh(): Store {
		store = kind.create();
		return store;
	}

	it("writes an auth key before set() resolves, without a save", async () => {
		fresh();
		const storage = await start();
		await storage.authKeys.set(2, KEY);
		// another reader of the same store sees it now: the typed DC entry and mtcute's copy
		const stored =
			kind.name === "memory" || kind.name === "string" ? storage.backend : storage.backend;
		const session = await stored.load();
		expect(session?.dcs.find((d) => d.dcId === 2)?.authKey?.expose()).toEqual(KEY);
		expect((await stored.getExtension(`${MTCUTE_KEYS.authKey}2`))?.expose()).toEqual(KEY);
		const again = await restart(storage);
		expect(await again.authKeys.get(2)).toEqual(KEY);
		await again.authKeys.set(2, null);
		expect(await again.authKeys.get(2)).toBeNull();
		expect((await again.backend.load())?.dcs.find((d) => d.dcId === 2)?.authKey ?? null).toBeNull();
	});

	it("holds key-value and peer writes until save, reads them at once, and sends one batch", async () => {
		fresh();
		const raw = await store.open();
		const { backend, calls } = counting(raw);
		const storage = mtcuteStorage(backend);
		open.push(storage);
		await storage.driver.load();
		calls.clear();
		await storage.kv.set("custom", new Uint8Array([1, 2, 3]));
		for (let i = 1; i <= 50; i++)
			await storage.peers.store(peer(1000 + i, { usernames: [`user_${i}x`] }));
		await storage.peers.store(peer(1001, { usernames: ["renamed_1"] })); // the last value wins
		expect(await storage.kv.get("custom")).toEqual(new Uint8Array([1, 2, 3]));
		expect((await storage.peers.getById(1001))?.usernames).toEqual(["renamed_1"]);
		expect(await storage.peers.getByUsername("USER_2X")).toMatchObject({ id: 1002 });
		expect(calls.get("applyChanges") ?? 0).toBe(0);
		expect(await raw.getExtension(`${MTCUTE_KEYS.kv}custom`)).toBeNull();
		await storage.driver.save();
		expect(calls.get("applyChanges")).toBe(1);
		expect((await raw.getExtension(`${MTCUTE_KEYS.kv}custom`))?.expose()).toEqual(
			new Uint8Array([1, 2, 3]),
		);
		await storage.driver.save(); // nothing new: no write at all
		expect(calls.get("applyChanges")).toBe(1);
		const again = await restart(storage);
		expect((await again.peers.getById(1001))?.usernames).toEqual(["renamed_1"]);
		expect(await again.peers.getByUsername("user_1x")).toBeNull();
		expect(await again.peers.getByUsername("user_50x")).toMatchObject({
			id: 1050,
			accessHash: peer(1050).accessHash,
		});
	});

	it("a save in flight: its peers and later ones are read; a failure keeps them in order, newer values first", async () => {
		fresh();
		const { backend, gate } = gated(await store.open());
		const storage = mtcuteStorage(backend, { onError: () => undefined, retryDelayMs: 0 });
		open.push(storage);
		await storage.driver.load();
		await storage.peers.store(peer(1, { usernames: ["first_old"] }));
		await storage.peers.store(peer(2, { usernames: ["shared_xx"] }));
		let release = () => {};
		gate.hold = new Promise<void>((r) => {
			release = r;
		});
		gate.fail = true;
		const failing = storage.flush();
		failing.catch(() => undefined);
		await new Promise((r) => setTimeout(r, 10)); // the batch is built and waits in the backend
		await storage.peers.store(peer(1, { usernames: ["first_new"] }));
		await storage.peers.store(peer(3, { usernames: ["shared_xx"] })); // takes it from peer 2
		const check = async () => {
			expect(await storage.peers.getById(1)).toMatchObject({ usernames: ["first_new"] });
			expect(await storage.peers.getById(2)).toMatchObject({ usernames: ["shared_xx"] });
			expect(await storage.peers.getByUsername("first_old")).toBeNull();
			expect(await storage.peers.getByUsername("first_new")).toMatchObject({ id: 1 });
			expect(await storage.peers.getByUsername("shared_xx")).toMatchObject({ id: 3 });
		};
		await check();
		release();
		gate.hold = null;
		await expect(failing).rejects.toThrow(/backend down/);
		await check();
		gate.fail = false;
		// a save that succeeds while a peer is stored meanwhile: that one stays queued
		gate.hold = new Promise<void>((r) => {
			release = r;
		});
		const saving = storage.flush();
		await new Promise((r) => setTimeout(r, 10));
		await storage.peers.store(peer(4, { usernames: ["late_peer"] }));
		release();
		gate.hold = null;
		await saving;
		expect(await storage.peers.getByUsername("late_peer")).toMatchObject({ id: 4 });
		await storage.flush();
		const again = await restart(storage);
		expect(await again.peers.getById(1)).toMatchObject({ usernames: ["first_new"] });
		expect((await again.peers.getById(2))?.usernames).toEqual([]);
		expect(await again.peers.getByUsername("shared_xx")).toMatchObject({ id: 3 });
		expect(await again.peers.getByUsername("late_peer")).toMatchObject({ id: 4 });
	});

	it("stores exactly a peer's own bytes, given as a view into a larger buffer, whatever the caller does later", async () => {
		fresh();
		const storage = await start();
		const backing = new Uint8Array(600).map((_, i) => i & 0xff);
		const views = [0, 1, 2].map((i) => backing.subarray(10 + i * 150, 10 + i * 150 + 100 + i));
		const expected = views.map((v) => v.slice());
		for (const [i, complete] of views.entries())
			await storage.peers.store(peer(100 + i, { complete }));
		await storage.peers.store(peer(103, { complete: new Uint8Array(0) }));
		await storage.driver.save();
		backing.fill(0); // after the save: nothing saved changes
		const again = await restart(storage);
		for (const [i, bytes] of expected.entries()) {
			const got = await again.peers.getById(100 + i);
			expect(got?.complete).toEqual(bytes);
			expect(got?.complete.length).toBe(bytes.length);
		}
		expect((await again.peers.getById(103))?.complete).toEqual(new Uint8Array(0));
		// writing into what a read returned changes no other peer, nor what is stored
		(await again.peers.getById(100))?.complete.fill(0xff);
		expect((await again.peers.getById(101))?.complete).toEqual(expected[1]);
		if (kind.native) expect((await again.peers.getById(100))?.complete).toEqual(expected[0]);
	});

	it("keeps a peer exactly: hash string, updated in ms, phone, complete bytes; a missing isMin is false", async () => {
		fresh();
		const storage = await start();
		const user = {
			...peer(777, { phone: "15550100", usernames: ["Durov_X"] }),
			accessHash: "-1|2147483647",
		};
		delete (user as { isMin?: boolean }).isMin;
		await storage.peers.store(user as PeerInfo);
		const chat = peer(-4242);
		const channel = peer(-1001183945448, { accessHash: "123456789|-5" });
		await storage.peers.store(chat);
		await storage.peers.store(channel);
		await storage.driver.save();
		const again = await restart(storage);
		expect(await again.peers.getById(777)).toEqual({
			id: 777,
			accessHash: "-1|2147483647",
			isMin: false,
			usernames: ["durov_x"],
			updated: 1_733_000_000_123,
			phone: "15550100",
			complete: user.complete,
		});
		expect(await again.peers.getById(-4242)).toMatchObject({
			accessHash: "",
			complete: chat.complete,
		});
		expect(await again.peers.getById(-1001183945448)).toMatchObject({ accessHash: "123456789|-5" });
		expect(await again.peers.getByPhone("+1 555 0100")).toMatchObject({ id: 777 });
		// other readers see typed peers with the right kinds and 64-bit hashes
		const typed = (await again.backend.load())?.peers ?? [];
		expect(typed.find((p) => p.kind === "user" && p.id === 777n)?.accessHash).toBe(
			BigInt.asIntN(64, (2147483647n << 32n) | 0xffffffffn),
		);
		expect(typed.find((p) => p.kind === "chat" && p.id === 4242n)?.accessHash).toBe(0n);
		expect(typed.find((p) => p.kind === "channel" && p.id === 1183945448n)?.accessHash).toBe(
			BigInt.asIntN(64, (-5n << 32n) | 123456789n),
		);
	});

	it("returns a min peer by id but never by username or phone; its hash is never typed", async () => {
		fresh();
		const storage = await start();
		await storage.peers.store(peer(555, { usernames: ["full_user"], phone: "4411" }));
		await storage.driver.save();
		await storage.peers.store(
			peer(555, { isMin: true, accessHash: "99|99", usernames: ["full_user"], phone: "4411" }),
		);
		await storage.peers.store(peer(556, { isMin: true, usernames: ["min_only"], phone: "4412" }));
		expect(await storage.peers.getByUsername("min_only")).toBeNull();
		await storage.driver.save();
		const again = await restart(storage);
		expect(await again.peers.getById(555)).toMatchObject({ isMin: true, accessHash: "99|99" });
		expect(await again.peers.getById(556)).toMatchObject({ isMin: true });
		for (const s of [storage, again].slice(1)) {
			expect(await s.peers.getByUsername("full_user")).toBeNull();
			expect(await s.peers.getByUsername("min_only")).toBeNull();
			expect(await s.peers.getByPhone("4411")).toBeNull();
			expect(await s.peers.getByPhone("4412")).toBeNull();
		}
		const typed = (await again.backend.load())?.peers ?? [];
		// the full hash seen before stays for other readers; a min-only peer has none
		expect(typed.find((p) => p.id === 555n)?.accessHash).toBe(
			BigInt.asIntN(64, (-7n << 32n) | 555n),
		);
		expect(typed.find((p) => p.id === 556n)?.accessHash).toBe(0n);
	});

	it("moves a username from one peer to another", async () => {
		fresh();
		const storage = await start();
		await storage.peers.store(peer(10, { usernames: ["shared_name"] }));
		await storage.driver.save();
		await storage.peers.store(peer(11, { usernames: ["shared_name"] }));
		expect(await storage.peers.getByUsername("shared_name")).toMatchObject({ id: 11 });
		await storage.driver.save();
		const again = await restart(storage);
		expect(await again.peers.getByUsername("shared_name")).toMatchObject({ id: 11 });
		expect((await again.peers.getById(10))?.usernames).toEqual([]);
	});

	it("keeps temporary keys with their expiry, compared only with the caller's time", async () => {
		fresh();
		const storage = await start();
		await storage.authKeys.setTemp(2, 0, KEY, 5_000.5);
		await storage.authKeys.setTemp(2, 1, OTHER_KEY, 9_000);
		await storage.authKeys.setTemp(4, 0, OTHER_KEY, 9_000);
		const again = await restart(storage);
		expect(await again.authKeys.getTemp(2, 0, 5_000)).toEqual(KEY);
		expect(await again.authKeys.getTemp(2, 0, 5_000.5)).toBeNull();
		expect(await again.authKeys.getTemp(2, 0, 6_000)).toBeNull();
		expect(await again.authKeys.getTemp(2, 1, 1)).toEqual(OTHER_KEY);
		await again.authKeys.set(2, KEY);
		await again.authKeys.deleteByDc(2);
		expect(await again.authKeys.get(2)).toBeNull();
		expect(await again.authKeys.getTemp(2, 1, 1)).toBeNull();
		expect(await again.authKeys.getTemp(4, 0, 1)).toEqual(OTHER_KEY);
		await again.authKeys.setTemp(4, 0, null, 0);
		expect(await again.authKeys.getTemp(4, 0, 1)).toBeNull();
		const third = await restart(again);
		expect(await third.authKeys.getTemp(2, 1, 1)).toBeNull();
		expect(await third.authKeys.getTemp(4, 0, 1)).toBeNull();
	});

	it("treats a zero-length value as a value, and deleteAll of key-value data keeps auth keys", async () => {
		fresh();
		const storage = await start();
		await storage.kv.set("current_user", new Uint8Array(0));
		await storage.kv.set("salts:2", new Uint8Array([7]));
		await storage.authKeys.set(2, KEY);
		await storage.driver.save();
		let again = await restart(storage);
		const empty = await again.kv.get("current_user");
		expect(empty).toBeInstanceOf(Uint8Array);
		expect(empty?.length).toBe(0);
		await again.kv.delete("salts:2");
		expect(await again.kv.get("salts:2")).toBeNull();
		await again.kv.set("other", new Uint8Array([1]));
		await again.driver.save();
		await again.kv.deleteAll();
		expect(await again.kv.get("current_user")).toBeNull();
		expect(await again.kv.get("other")).toBeNull();
		again = await restart(again);
		expect(await again.kv.get("current_user")).toBeNull();
		expect(await again.kv.get("other")).toBeNull();
		expect(await again.authKeys.get(2)).toEqual(KEY);
	});

	it("maps DCs and update state into the typed model for other readers", async () => {
		fresh();
		const storage = await start();
		const option = (id: number, ip: string, flags: number) => {
			const ipBytes = new TextEncoder().encode(ip);
			const pad = (4 - ((1 + ipBytes.length) % 4)) % 4;
			return new Uint8Array([
				2,
				id,
				flags,
				ipBytes.length,
				...ipBytes,
				...new Uint8Array(pad),
				0xbb,
				0x01,
				0,
				0,
			]);
		};
		await storage.kv.set("dc_main", option(4, "149.154.167.91", 0));
		await storage.kv.set("dc_media", option(4, "149.154.164.250", 2));
		await storage.authKeys.set(4, KEY);
		for (const [k, v] of [
			["updates_pts", 100],
			["updates_qts", 7],
			["updates_date", 1_733_000_000],
			["updates_seq", 12],
		] as const)
			await storage.kv.set(k, int32(v));
		await storage.kv.set("updates_channel:1183945448", int32(555));
		await storage.driver.save();
		const again = await restart(storage);
		const session = await again.backend.load();
		expect(session?.homeDcId).toBe(4);
		const main = session?.dcs.find((d) => d.dcId === 4 && d.flags === 0);
		expect(main?.addr).toBe("149.154.167.91:443");
		expect(main?.authKey?.expose()).toEqual(KEY);
		expect(session?.dcs.find((d) => d.dcId === 4 && d.flags === 2)?.addr).toBe(
			"149.154.164.250:443",
		);
		expect(session?.updatesState).toMatchObject({ pts: 100, qts: 7, date: 1_733_000_000, seq: 12 });
		expect(session?.updatesState.channels).toEqual([{ channelId: 1183945448n, pts: 555 }]);
		expect(await again.kv.get("updates_pts")).toEqual(int32(100));
		// a later change of one counter keeps the other three
		await again.kv.set("updates_pts", int32(101));
		await again.driver.save();
		expect((await again.backend.load())?.updatesState).toMatchObject({ pts: 101, qts: 7, seq: 12 });
	});

	it("keeps reference messages, many per peer, for users and channels", async () => {
		fresh();
		const storage = await start();
		const channel = -1001183945448;
		await storage.refMessages.store(42, channel, 10);
		await storage.refMessages.store(42, channel, 30);
		await storage.refMessages.store(42, -1000000000777, 20);
		await storage.refMessages.store(-1000000000099, channel, 11);
		expect(await storage.refMessages.getByPeer(42)).toEqual([channel, 30]);
		await storage.driver.save();
		let again = await restart(storage);
		expect(await again.refMessages.getByPeer(42)).toEqual([channel, 30]);
		expect(await again.refMessages.getByPeer(-1000000000099)).toEqual([channel, 11]);
		// the newest user reference is also the typed min-peer context
		expect((await again.backend.load())?.minPeers).toEqual([
			{ userId: 42n, peerId: BigInt(channel), msgId: 30 },
		]);
		await again.refMessages.delete(channel, [30, 11]);
		expect(await again.refMessages.getByPeer(42)).toEqual([-1000000000777, 20]);
		expect(await again.refMessages.getByPeer(-1000000000099)).toBeNull();
		await again.driver.save();
		again = await restart(again);
		expect(await again.refMessages.getByPeer(42)).toEqual([-1000000000777, 20]);
		await again.refMessages.deleteByPeer(42);
		await again.refMessages.store(43, channel, 1);
		await again.driver.save();
		again = await restart(again);
		expect(await again.refMessages.getByPeer(42)).toBeNull();
		expect(await again.refMessages.getByPeer(43)).toEqual([channel, 1]);
		expect((await again.backend.load())?.minPeers).toEqual([
			{ userId: 43n, peerId: BigInt(channel), msgId: 1 },
		]);
		await again.refMessages.deleteAll();
		await again.driver.save();
		again = await restart(again);
		expect(await again.refMessages.getByPeer(43)).toBeNull();
		expect((await again.backend.load())?.minPeers).toEqual([]);
	});

	it("deletes every peer, and keeps the rest", async () => {
		fresh();
		const storage = await start();
		await storage.authKeys.set(2, KEY);
		for (let i = 1; i <= 5; i++) await storage.peers.store(peer(i, { usernames: [`name_${i}xx`] }));
		await storage.driver.save();
		await storage.peers.deleteAll();
		expect(await storage.peers.getById(1)).toBeNull();
		const again = await restart(storage);
		expect(await again.peers.getById(1)).toBeNull();
		expect(await again.peers.getByUsername("name_2xx")).toBeNull();
		expect(await again.authKeys.get(2)).toEqual(KEY);
	});

	it(`answers peer lookups ${kind.native ? "from the backend, without loading the session" : "from memory, loaded once"}`, async () => {
		fresh();
		const first = await start();
		for (let i = 1; i <= 20; i++)
			await first.peers.store(peer(i, { usernames: [`lookup_${i}xx`] }));
		await first.driver.save();
		await first.destroy();
		open.splice(0);
		const { backend, calls } = counting(await store.open());
		const storage = mtcuteStorage(backend as SessionBackend);
		open.push(storage);
		await storage.driver.load();
		expect(await storage.peers.getByUsername("lookup_7xx")).toMatchObject({ id: 7 });
		expect(await storage.peers.getById(8)).toMatchObject({ id: 8 });
		if (kind.native) {
			expect(calls.get("load") ?? 0).toBe(0);
			expect(calls.get("findPeerByUsername")).toBe(1);
			expect(calls.get("getPeer")).toBe(1);
		} else {
			expect(calls.get("load")).toBe(1);
			expect(calls.get("findPeerByUsername") ?? 0).toBe(0);
		}
	});

	it.runIf(kind.native)(
		"seeds a session another client wrote from a load without its peers",
		async () => {
			fresh();
			const raw = await store.open();
			const written = sampleSession(9);
			written.peers = testPeers(2000, 9); // what the other client cached: mtcute does not read it at start
			await raw.save(written);
			await raw.close();
			const loads: unknown[] = [];
			const backend = new Proxy(await store.open(), {
				get(target, prop, receiver) {
					const value = Reflect.get(target, prop, receiver);
					if (typeof value !== "function") return value;
					return (...args: unknown[]) => {
						if (prop === "load") loads.push(args[0]);
						return (value as (...a: unknown[]) => unknown).apply(target, args);
					};
				},
			});
			const storage = mtcuteStorage(backend);
			open.push(storage);
			await storage.driver.load();
			expect(loads).toEqual([{ peers: false }]);
			const home = written.dcs.find((d) => d.dcId === 2 && d.authKey);
			expect(await storage.authKeys.get(2)).toEqual(home?.authKey?.expose());
			// the other client's peers are still there for whoever reads them
			expect((await backend.load())?.peers).toHaveLength(2000);
		},
	);
});
