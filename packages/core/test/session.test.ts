// The model helpers behind every backend's matching rules.
import { describe, expect, it } from "vitest";
import {
	allDcsFor,
	applyUpdateStateChange,
	type CachedPeer,
	canonicalSession,
	channelPts,
	cloneSession,
	DcFlags,
	dcFor,
	findPeer,
	formatDcAddress,
	mergePeer,
	normalizeSession,
	parseDcAddress,
	sessionsEqual,
	upsertDc,
	upsertMinPeer,
	upsertPeers,
} from "../src/index.js";
import { sameDcSlot } from "../src/toolkit.js";
import { dc, plain, seqKey, session } from "./helpers.js";
import { MemoryStore } from "./memory-store.js";

const user = (id: bigint, accessHash = 1n): CachedPeer => ({
	kind: "user",
	id,
	accessHash,
	channelKind: null,
});
const channel = (
	id: bigint,
	accessHash = 1n,
	channelKind: CachedPeer["channelKind"] = null,
): CachedPeer => ({
	kind: "channel",
	id,
	accessHash,
	channelKind,
});

describe("DC slots", () => {
	it("a slot is dcId + IPv6, MEDIA_ONLY and CDN bits; TCPO_ONLY and STATIC are attributes", () => {
		expect(
			sameDcSlot({ dcId: 2, flags: 0 }, { dcId: 2, flags: DcFlags.STATIC | DcFlags.TCPO_ONLY }),
		).toBe(true);
		expect(sameDcSlot({ dcId: 2, flags: 0 }, { dcId: 2, flags: DcFlags.IPV6 })).toBe(false);
		expect(sameDcSlot({ dcId: 2, flags: 0 }, { dcId: 2, flags: DcFlags.MEDIA_ONLY })).toBe(false);
		expect(sameDcSlot({ dcId: 2, flags: 0 }, { dcId: 2, flags: DcFlags.CDN })).toBe(false);
		expect(sameDcSlot({ dcId: 2, flags: 0 }, { dcId: 3, flags: 0 })).toBe(false);
	});

	it("upsertDc replaces the entry in the same slot, keeps the others, appends new slots", () => {
		const s = session({
			dcs: [
				dc({ addr: "a:1" }),
				dc({ addr: "[::1]:1", flags: DcFlags.IPV6 }),
				dc({ addr: "m:1", flags: DcFlags.MEDIA_ONLY }),
			],
		});
		upsertDc(s, dc({ addr: "b:2", flags: DcFlags.STATIC, authKey: seqKey() }));
		expect(s.dcs.map((d) => d.addr)).toEqual(["b:2", "[::1]:1", "m:1"]);
		upsertDc(s, dc({ dcId: 4, addr: "c:3" }));
		expect(s.dcs.map((d) => d.addr)).toEqual(["b:2", "[::1]:1", "m:1", "c:3"]);
	});

	it("dcFor prefers the IPv6 bit asked for, else the first entry of that DC", () => {
		const s = session({
			dcs: [
				dc({ addr: "m:1", flags: DcFlags.MEDIA_ONLY }),
				dc({ addr: "[::1]:1", flags: DcFlags.IPV6 }),
			],
		});
		expect(dcFor(s, 2, false)?.addr).toBe("m:1");
		expect(dcFor(s, 2, true)?.addr).toBe("[::1]:1");
		expect(dcFor(session({ dcs: [dc({ addr: "[::1]:1", flags: 1 })] }), 2, false)?.addr).toBe(
			"[::1]:1",
		);
		expect(dcFor(s, 5)).toBeUndefined();
		expect(allDcsFor(s, 2)).toHaveLength(2);
	});

	it("addresses: brackets for IPv6, strict parsing", () => {
		expect(formatDcAddress("1.2.3.4", 443)).toBe("1.2.3.4:443");
		expect(formatDcAddress("2001:db8::1", 443)).toBe("[2001:db8::1]:443");
		expect(parseDcAddress("[2001:db8::1]:443")).toEqual({ ip: "2001:db8::1", port: 443 });
		expect(parseDcAddress("1.2.3.4:80")).toEqual({ ip: "1.2.3.4", port: 80 });
		for (const bad of ["1.2.3.4", "1.2.3.4:65536", "2001:db8::1:443", "[x]:1", ":443", "a:b"]) {
			expect(parseDcAddress(bad)).toBeUndefined();
		}
	});
});

describe("peers", () => {
	it("identity is (kind, id): a user and a channel with the same id never collide", () => {
		const s = session({ peers: [user(5n, 10n)] });
		upsertPeers(s, [channel(5n, 20n)]);
		expect(s.peers).toEqual([user(5n, 10n), channel(5n, 20n)]);
		expect(findPeer(s, "channel", 5n)?.accessHash).toBe(20n);
		expect(findPeer(s, "chat", 5n)).toBeUndefined();
	});

	it("a zero hash never replaces a known one; a null channel kind never replaces a known one", () => {
		expect(mergePeer(channel(1n, 9n, "megagroup"), channel(1n, 0n, null))).toEqual(
			channel(1n, 9n, "megagroup"),
		);
		expect(mergePeer(channel(1n, 9n, "megagroup"), channel(1n, 7n, "broadcast"))).toEqual(
			channel(1n, 7n, "broadcast"),
		);
		expect(mergePeer(undefined, channel(1n, 0n))).toEqual(channel(1n, 0n));
		const s = session({ peers: [channel(1n, 9n, "megagroup")] });
		upsertPeers(s, [channel(1n, 0n), channel(1n, 0n), user(2n)]);
		expect(s.peers).toEqual([channel(1n, 9n, "megagroup"), user(2n)]);
	});

	it("upsertPeers copies its input", () => {
		const p = user(1n);
		const s = session();
		upsertPeers(s, [p]);
		p.accessHash = 99n;
		expect(s.peers[0]?.accessHash).toBe(1n);
	});

	it("min peers match on user id", () => {
		const s = session();
		upsertMinPeer(s, { userId: 1n, peerId: 2n, msgId: 3 });
		upsertMinPeer(s, { userId: 1n, peerId: 4n, msgId: 5 });
		upsertMinPeer(s, { userId: 6n, peerId: 4n, msgId: 5 });
		expect(s.minPeers).toEqual([
			{ userId: 1n, peerId: 4n, msgId: 5 },
			{ userId: 6n, peerId: 4n, msgId: 5 },
		]);
	});
});

describe("update state changes, as the reference's apply_to", () => {
	const base = () => ({
		pts: 10,
		qts: 20,
		date: 30,
		seq: 40,
		channels: [{ channelId: 1n, pts: 5 }],
	});

	it("all replaces everything, channels included (and copies them)", () => {
		const st = base();
		const state = { pts: 1, qts: 2, date: 3, seq: 4, channels: [{ channelId: 9n, pts: 9 }] };
		applyUpdateStateChange(st, { type: "all", state });
		state.channels[0]!.pts = 100;
		expect(st).toEqual({ pts: 1, qts: 2, date: 3, seq: 4, channels: [{ channelId: 9n, pts: 9 }] });
	});

	it("primary sets pts/date/seq; secondary sets qts; counters may go backwards", () => {
		const st = base();
		applyUpdateStateChange(st, { type: "primary", pts: 1, date: 2, seq: 3 });
		expect(st).toEqual({ ...base(), pts: 1, date: 2, seq: 3 });
		applyUpdateStateChange(st, { type: "secondary", qts: 7 });
		expect(st.qts).toBe(7);
		expect(st.channels).toEqual(base().channels);
	});

	it("channel updates one entry or appends", () => {
		const st = base();
		applyUpdateStateChange(st, { type: "channel", channelId: 1n, pts: 6 });
		applyUpdateStateChange(st, { type: "channel", channelId: 2n, pts: 1 });
		expect(st.channels).toEqual([
			{ channelId: 1n, pts: 6 },
			{ channelId: 2n, pts: 1 },
		]);
		expect(channelPts(st, 2n)).toBe(1);
		expect(channelPts(st, 3n)).toBe(0);
	});
});

describe("normalize, canonical, equality, clone", () => {
	it("normalizeSession: one entry per identity, the last one winning, at the first-seen position", () => {
		const s = session({
			dcs: [
				dc({ addr: "a:1" }),
				dc({ dcId: 3, addr: "c:1" }),
				dc({ addr: "b:1", flags: DcFlags.STATIC }),
			],
			peers: [user(1n, 1n), channel(1n), user(2n), user(1n, 3n)],
			minPeers: [
				{ userId: 1n, peerId: 1n, msgId: 1 },
				{ userId: 1n, peerId: 2n, msgId: 2 },
			],
			updatesState: {
				pts: 0,
				qts: 0,
				date: 0,
				seq: 0,
				channels: [
					{ channelId: 1n, pts: 1 },
					{ channelId: 1n, pts: 2 },
				],
			},
		});
		const n = normalizeSession(s);
		expect(n.dcs.map((d) => d.addr)).toEqual(["b:1", "c:1"]);
		expect(n.peers).toEqual([user(1n, 3n), channel(1n), user(2n)]);
		expect(n.minPeers).toEqual([{ userId: 1n, peerId: 2n, msgId: 2 }]);
		expect(n.updatesState.channels).toEqual([{ channelId: 1n, pts: 2 }]);
		expect(s.peers).toHaveLength(4); // input untouched
	});

	it("normalizeSession: peers whose ids round alike as numbers, or share a bare id, stay apart", () => {
		const big = 2n ** 60n;
		const distinct = [user(big), user(big + 1n), channel(big), user(1n), channel(1n)];
		expect(normalizeSession(session({ peers: distinct })).peers).toEqual(distinct);
		const repeated = [user(big, 1n), user(big + 1n), user(big, 2n)];
		expect(normalizeSession(session({ peers: repeated })).peers).toEqual([
			user(big, 2n),
			user(big + 1n),
		]);
	});

	it("sessionsEqual ignores order unless asked, and compares keys by value", () => {
		const a = session({
			dcs: [dc({ authKey: seqKey() }), dc({ dcId: 3 })],
			peers: [user(1n), user(2n)],
		});
		const b = session({
			dcs: [dc({ dcId: 3 }), dc({ authKey: seqKey() })],
			peers: [user(2n), user(1n)],
		});
		expect(sessionsEqual(a, b)).toBe(true);
		expect(sessionsEqual(a, b, { ordered: true })).toBe(false);
		expect(plain(canonicalSession(a))).toEqual(plain(canonicalSession(b)));
		const c = cloneSession(a);
		c.dcs[0]!.authKey = null;
		expect(sessionsEqual(a, c)).toBe(false);
		expect(a.dcs[0]?.authKey).not.toBeNull();
	});

	it("cloneSession is deep for lists and entries and shares the immutable secrets", () => {
		const a = session({
			dcs: [dc({ authKey: seqKey() })],
			peers: [user(1n)],
			updatesState: { pts: 1, qts: 0, date: 0, seq: 0, channels: [{ channelId: 1n, pts: 1 }] },
		});
		const c = cloneSession(a);
		c.peers[0]!.accessHash = 5n;
		c.updatesState.channels[0]!.pts = 9;
		c.dcs[0]!.addr = "x";
		expect(a.peers[0]?.accessHash).toBe(1n);
		expect(a.updatesState.channels[0]?.pts).toBe(1);
		expect(a.dcs[0]?.addr).toBe("149.154.167.51:443");
		expect(c.dcs[0]?.authKey).toBe(a.dcs[0]?.authKey);
	});
});

describe("BaseSessionBackend copies granular arguments when the call is made", () => {
	it("changing a DC entry or an update-state change after the call does not reach the store", async () => {
		const b = await new MemoryStore().open();
		const dc = {
			dcId: 2,
			addr: "1.2.3.4:443",
			authKey: null,
			firstSalt: 1n,
			timeOffset: 0,
			flags: 0,
		};
		const pendingDc = b.updateDc(dc);
		dc.addr = "9.9.9.9:1";
		const change = { type: "primary" as const, pts: 10, date: 11, seq: 12 };
		const pendingState = b.applyUpdateState(change);
		change.pts = 99;
		const all = { pts: 1, qts: 2, date: 3, seq: 4, channels: [{ channelId: 5n, pts: 6 }] };
		const pendingAll = b.applyUpdateState({ type: "channel", channelId: 7n, pts: 8 });
		await Promise.all([pendingDc, pendingState, pendingAll]);
		const loaded = await b.load();
		expect(loaded?.dcs[0]?.addr).toBe("1.2.3.4:443");
		expect(loaded?.updatesState.pts).toBe(10);
		const pendingReplace = b.applyUpdateState({ type: "all", state: all });
		all.channels[0]!.pts = 60;
		all.channels.push({ channelId: 9n, pts: 9 });
		await pendingReplace;
		expect((await b.load())?.updatesState.channels).toEqual([{ channelId: 5n, pts: 6 }]);
	});
});
