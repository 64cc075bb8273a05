import type { DcEntry } from "@x/session-core";
import {
	assertSameSession,
	runConformanceSuite,
	sampleSession,
	testPeer,
} from "@x/session-core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemorySessionBackend } from "../src/index.js";

runConformanceSuite(
	{ describe, it, beforeEach, afterEach },
	{
		name: "memory",
		async createStore() {
			return { open: async () => new MemorySessionBackend(), destroy: async () => {} };
		},
	},
);

describe("MemorySessionBackend", () => {
	it("starts from a copy of the initial session", async () => {
		const initial = sampleSession();
		const backend = new MemorySessionBackend(initial);
		initial.homeDcId = 1;
		assertSameSession(await backend.load(), sampleSession());
	});

	it("snapshot() is a copy that sees completed granular writes", async () => {
		const backend = new MemorySessionBackend();
		expect(backend.snapshot()).toBeNull();
		await backend.cachePeer(testPeer("user", 1n, 2n));
		const snap = backend.snapshot();
		expect(snap?.peers).toEqual([testPeer("user", 1n, 2n)]);
		snap?.peers.pop();
		expect(backend.snapshot()?.peers).toHaveLength(1);
	});

	it("a peer passed to cachePeer can be changed afterwards without reaching the store", async () => {
		const backend = new MemorySessionBackend();
		const peer = testPeer("channel", 5n, 50n, "broadcast");
		const pending = backend.cachePeer(peer);
		peer.accessHash = 1n;
		await pending;
		expect((await backend.load())?.peers[0]?.accessHash).toBe(50n);
	});
});

describe("MemorySessionBackend copies granular arguments when the call is made", () => {
	it("changing a DC entry or an update-state change after the call does not reach the store", async () => {
		const backend = new MemorySessionBackend();
		const dc = {
			dcId: 2,
			addr: "1.2.3.4:443",
			authKey: null,
			firstSalt: 1n,
			timeOffset: 0,
			flags: 0,
		};
		const pendingDc = backend.updateDc(dc);
		dc.addr = "9.9.9.9:1";
		const all = { pts: 1, qts: 2, date: 3, seq: 4, channels: [{ channelId: 5n, pts: 6 }] };
		const pendingAll = backend.applyUpdateState({ type: "all", state: all });
		all.pts = 100;
		all.channels[0]!.pts = 60;
		const primary = { type: "primary" as const, pts: 10, date: 11, seq: 12 };
		const pendingPrimary = backend.applyUpdateState(primary);
		primary.seq = 99;
		await Promise.all([pendingDc, pendingAll, pendingPrimary]);
		const stored = backend.snapshot();
		expect(stored?.dcs[0]?.addr).toBe("1.2.3.4:443");
		expect(stored?.updatesState).toEqual({
			pts: 10,
			qts: 2,
			date: 11,
			seq: 12,
			channels: [{ channelId: 5n, pts: 6 }],
		});
	});
});

describe("MemorySessionBackend lookups through its peer index", () => {
	const withName = (
		kind: "user" | "channel",
		id: bigint,
		usernames: string[],
		phone: string | null,
	) => ({
		...testPeer(kind, id, id * 10n),
		meta: { usernames, phone, name: null, updatedAt: 1, isMin: false, data: null },
	});

	it("agree with a scan after saves, batches, renames and lost names, and return copies", async () => {
		const backend = new MemorySessionBackend();
		await backend.cachePeers([
			withName("user", 1n, ["a", "b"], "1"),
			withName("user", 2n, ["c"], null),
		]);
		expect((await backend.findPeerByUsername("@B"))?.id).toBe(1n);
		// a channel with the same bare id takes "b"; user 2 is renamed (its old name goes)
		await backend.cachePeers([
			withName("channel", 1n, ["b"], "1"),
			withName("user", 2n, ["d"], null),
		]);
		expect((await backend.findPeerByUsername("b"))?.kind).toBe("channel");
		expect((await backend.getPeer("user", 1n))?.meta?.usernames).toEqual(["a"]);
		expect(await backend.findPeerByUsername("c")).toBeNull();
		expect((await backend.findPeerByPhone("+1"))?.kind).toBe("channel");
		const found = await backend.getPeer("user", 2n);
		found?.meta?.usernames.push("changed");
		expect((await backend.getPeer("user", 2n))?.meta?.usernames).toEqual(["d"]);
		// a save replaces the list: the index follows it
		await backend.save({ ...sampleSession(), peers: [withName("user", 9n, ["z"], "99")] });
		expect((await backend.findPeerByUsername("z"))?.id).toBe(9n);
		expect(await backend.getPeer("user", 2n)).toBeNull();
		expect((await backend.findPeerByPhone("99"))?.id).toBe(9n);
	});

	it("a saved session where two peers share a username answers as a scan does (the first)", async () => {
		const backend = new MemorySessionBackend();
		await backend.save({
			...sampleSession(),
			peers: [withName("user", 1n, ["same"], "5"), withName("user", 2n, ["same"], "5")],
		});
		expect((await backend.findPeerByUsername("same"))?.id).toBe(1n);
		expect((await backend.findPeerByPhone("5"))?.id).toBe(1n);
	});
});

describe("MemorySessionBackend answers at once when nothing is queued", () => {
	const firstDc = (): DcEntry => sampleSession().dcs[0] as DcEntry;

	it("a lookup or write made while a save is queued comes after it; made while idle, at once", async () => {
		const backend = new MemorySessionBackend();
		const saving = backend.save({ ...sampleSession(), peers: [testPeer("user", 7n, 70n)] });
		// queued behind the save: sees it, and a write behind it is not overwritten by it
		const found = backend.getPeer("user", 7n);
		const caching = backend.cachePeer(testPeer("user", 8n, 80n));
		await Promise.all([saving, caching]);
		expect((await found)?.accessHash).toBe(70n);
		// idle now: the write is in the store when the call returns, flush has nothing to wait for
		const writing = backend.updateDc({ ...firstDc(), timeOffset: 5 });
		expect(backend.snapshot()?.dcs.find((d) => d.timeOffset === 5)).toBeDefined();
		await writing;
		await backend.flush();
		expect((await backend.getPeer("user", 8n))?.accessHash).toBe(80n);
	});

	it("a bad argument still rejects and changes nothing; a closed backend still refuses", async () => {
		const backend = new MemorySessionBackend(sampleSession());
		const before = backend.snapshot();
		await expect(backend.updateDc({ ...firstDc(), flags: 999 })).rejects.toThrow(/flags/);
		expect(backend.snapshot()).toEqual(before);
		await backend.close();
		await expect(backend.getPeer("user", 1n)).rejects.toThrow(/closed/);
		await expect(backend.updateDc(firstDc())).rejects.toThrow(/closed/);
		await expect(backend.flush()).rejects.toThrow(/closed/);
	});

	it("finds ids beyond 2^53 and keeps them apart from the nearest numbers", async () => {
		const big = 2n ** 60n + 1n;
		const backend = new MemorySessionBackend();
		await backend.cachePeers([testPeer("channel", big, 1n), testPeer("channel", big - 1n, 2n)]);
		expect((await backend.getPeer("channel", big))?.accessHash).toBe(1n);
		expect((await backend.getPeer("channel", big - 1n))?.accessHash).toBe(2n);
		expect(await backend.getPeer("channel", big + 1n)).toBeNull();
		expect(await backend.getPeer("user", big)).toBeNull();
		// the key of a small id is a number, but only the bigint finds the peer, as a scan does
		await backend.cachePeer(testPeer("user", 5n, 50n));
		expect(await backend.getPeer("user", 5 as unknown as bigint)).toBeNull();
		expect((await backend.getPeer("user", 5n))?.accessHash).toBe(50n);
	});
});
