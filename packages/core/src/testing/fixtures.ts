// Deterministic sessions for the conformance suite and for backend tests.
import { defaultDcTable } from "../dc-table.js";
import { CHANNEL_KINDS, PEER_KINDS } from "../kinds.js";
import { SecretBytes } from "../secret.js";
import { emptySession } from "../session.js";
import {
	type CachedPeer,
	type ChannelKind,
	type DcEntry,
	DcFlags,
	type PeerKind,
	type PeerMeta,
	type PersistedSession,
} from "../types.js";

/** The largest signed 64-bit integer, for edge-case ids and hashes. */
export const I64_MAX = (1n << 63n) - 1n;
/** The smallest signed 64-bit integer, for edge-case ids and hashes. */
export const I64_MIN = -(1n << 63n);

/** A small seeded PRNG (xorshift32), so every run builds the same data. */
export function seededRandom(seed: number): () => number {
	let x = seed >>> 0 || 0x9e3779b9;
	return () => {
		x ^= x << 13;
		x >>>= 0;
		x ^= x >>> 17;
		x ^= x << 5;
		x >>>= 0;
		return x;
	};
}

/** Deterministic bytes; most of them are not valid UTF-8, which catches text-only storage. */
export function seededBytes(length: number, seed: number): Uint8Array {
	const next = seededRandom(seed);
	const out = new Uint8Array(length);
	for (let i = 0; i < length; i++) out[i] = next() & 0xff;
	if (length > 1) {
		out[0] = 0xff;
		out[1] = 0x80;
	}
	return out;
}

/** A 256-byte auth key made from `seed`. */
export function testAuthKey(seed: number): SecretBytes {
	return new SecretBytes(seededBytes(256, seed));
}

/** A DC entry for DC 2 on its default IPv4 address, without a key; `over` replaces fields. */
export function testDc(over: Partial<DcEntry> = {}): DcEntry {
	return {
		dcId: 2,
		addr: "149.154.167.51:443",
		authKey: null,
		firstSalt: 0n,
		timeOffset: 0,
		flags: DcFlags.NONE,
		...over,
	};
}

/** A cached peer with the given kind, id and access hash (no metadata). */
export function testPeer(
	kind: PeerKind,
	id: bigint,
	accessHash = 0n,
	channelKind: ChannelKind | null = null,
): CachedPeer {
	return { kind, id, accessHash, channelKind };
}

/** `count` peers of every kind with distinct `(kind, id)`, hashes spread over the i64 range. */
export function testPeers(count: number, seed = 1): CachedPeer[] {
	const next = seededRandom(seed);
	const kinds = PEER_KINDS;
	const channelKinds: (ChannelKind | null)[] = [...CHANNEL_KINDS, null];
	const peers: CachedPeer[] = [];
	for (let i = 0; i < count; i++) {
		const kind = kinds[i % 4] as PeerKind;
		const hash = kind === "chat" ? 0n : (BigInt(next()) << 32n) | BigInt(next());
		peers.push({
			kind,
			id: BigInt(1_000_000 + Math.floor(i / 4)),
			accessHash: BigInt.asIntN(64, hash),
			channelKind: kind === "channel" ? (channelKinds[(i >> 2) % 4] ?? null) : null,
		});
	}
	return peers;
}

/** A logged-in session: two DCs with keys, the rest of the default table, caches and a token. */
export function sampleSession(seed = 1): PersistedSession {
	const dcs = defaultDcTable({ ipv6: true });
	for (const dc of dcs) {
		if (dc.dcId === 2 && dc.flags === DcFlags.NONE) {
			dc.authKey = testAuthKey(seed);
			dc.firstSalt = -0x1234_5678_9abc_def0n;
			dc.timeOffset = -3;
		}
		if (dc.dcId === 4 && dc.flags === DcFlags.NONE) dc.authKey = testAuthKey(seed + 1);
	}
	return {
		homeDcId: 2,
		dcs,
		updatesState: {
			pts: 1200 + seed,
			qts: 7,
			date: 1_790_000_000,
			seq: 44,
			channels: [
				{ channelId: 1_500_000_001n, pts: 900 },
				{ channelId: 1_500_000_002n, pts: 12 },
			],
		},
		peers: testPeers(24, seed),
		minPeers: [
			{ userId: 777_000_001n, peerId: 1_500_000_001n, msgId: 55 },
			{ userId: 777_000_002n, peerId: 42n, msgId: 1 },
		],
		futureAuthToken: new SecretBytes(seededBytes(48, seed + 100)),
	};
}

/** Named edge cases every backend must store and return unchanged. */
export function edgeCaseSessions(): Record<string, PersistedSession> {
	const extremes = emptySession();
	extremes.homeDcId = 5;
	extremes.dcs = [
		testDc({
			dcId: 5,
			addr: "91.108.56.130:443",
			authKey: testAuthKey(9),
			firstSalt: I64_MIN,
			timeOffset: -2_147_483_648,
			flags: 0xff & ~(DcFlags.IPV6 | DcFlags.MEDIA_ONLY | DcFlags.CDN),
		}),
		testDc({ dcId: 1, addr: "1.2.3.4:1", firstSalt: I64_MAX, timeOffset: 2_147_483_647 }),
	];
	extremes.updatesState = {
		pts: 2_147_483_647,
		qts: -2_147_483_648,
		date: 2_147_483_647,
		seq: -1,
		channels: [
			{ channelId: I64_MAX, pts: 2_147_483_647 },
			{ channelId: 1n, pts: 0 },
		],
	};
	extremes.peers = [
		testPeer("user", I64_MAX, I64_MIN),
		testPeer("channel", I64_MAX, I64_MAX, "gigagroup"),
		testPeer("user", 1n, -1n),
	];
	extremes.minPeers = [{ userId: I64_MAX, peerId: I64_MIN, msgId: 2_147_483_647 }];

	const sameIds = emptySession();
	sameIds.peers = [
		testPeer("user", 100n, 11n),
		testPeer("chat", 100n, 0n),
		testPeer("channel", 100n, 33n, "megagroup"),
		testPeer("community", 100n, 44n),
	];

	const channelKinds = emptySession();
	channelKinds.peers = [
		testPeer("channel", 1n, 10n, "broadcast"),
		testPeer("channel", 2n, 20n, "megagroup"),
		testPeer("channel", 3n, 30n, "gigagroup"),
		testPeer("channel", 4n, 0n, null),
		testPeer("channel", 5n, 0n, "megagroup"),
		testPeer("community", 6n, 60n),
	];

	const slots = emptySession();
	slots.homeDcId = 2;
	slots.dcs = [
		testDc({ dcId: 2, addr: "149.154.167.51:443", authKey: testAuthKey(21) }),
		testDc({ dcId: 2, addr: "[2001:67c:4e8:f002::a]:443", flags: DcFlags.IPV6 }),
		testDc({
			dcId: 2,
			addr: "149.154.167.151:443",
			flags: DcFlags.MEDIA_ONLY,
			authKey: testAuthKey(22),
		}),
		testDc({
			dcId: 2,
			addr: "[2001:67c:4e8:f002::b]:443",
			flags: DcFlags.MEDIA_ONLY | DcFlags.IPV6,
		}),
		testDc({ dcId: 203, addr: "91.105.192.100:443", flags: DcFlags.CDN }),
	];

	const keyOnlyNoHome = emptySession();
	keyOnlyNoHome.dcs = [testDc({ authKey: testAuthKey(31) })];

	const tokenOnly = emptySession();
	tokenOnly.futureAuthToken = new SecretBytes(seededBytes(1, 41));

	return {
		"an empty session": emptySession(),
		"a logged-in session": sampleSession(),
		"no DCs but caches": { ...sampleSession(2), dcs: [] },
		"DC slots: IPv4, IPv6, media and CDN entries of one DC": slots,
		"a DC with a key but home DC 0": keyOnlyNoHome,
		"64-bit and 32-bit extremes": extremes,
		"equal bare ids of four kinds": sameIds,
		"channel kinds, min channels and communities": channelKinds,
		"only a one-byte future-auth token": tokenOnly,
	};
}

/** Peer metadata with every field set, varied by `seed`. */
export function testPeerMeta(seed: number, over: Partial<PeerMeta> = {}): PeerMeta {
	return {
		usernames: [`user_${seed}`, `alt_${seed}`],
		phone: `+1 555 ${String(seed).padStart(6, "0")}`,
		name: `Name ${seed} ✓`,
		updatedAt: 1_790_000_000_000 + seed,
		isMin: seed % 2 === 1,
		data: seededBytes(16 + (seed % 7), seed + 500),
		...over,
	};
}

/**
 * A logged-in session that also carries client metadata: extension values (binary, empty, a
 * secret-sized one) and peers with full, partial and empty metadata.
 */
export function sessionWithExtensions(seed = 1): PersistedSession {
	const s = sampleSession(seed);
	s.peers = testPeers(40, seed);
	s.peers.forEach((p, i) => {
		if (i % 3 === 0) p.meta = testPeerMeta(seed * 100 + i);
	});
	(s.peers[1] as CachedPeer).meta = {
		usernames: [],
		phone: null,
		name: null,
		updatedAt: 0,
		isMin: false,
		data: null,
	};
	(s.peers[2] as CachedPeer).meta = testPeerMeta(seed * 100 + 2, { data: new Uint8Array(0) });
	s.extensions = new Map([
		["mtcute:current_user", new SecretBytes(seededBytes(40, seed + 700))],
		["mtcute:temp_key:2:0", new SecretBytes(seededBytes(256, seed + 701))],
		["gramjs:test_servers", new SecretBytes(new Uint8Array([0]))],
		["empty", new SecretBytes(new Uint8Array(0))],
		["not utf-8", new SecretBytes(new Uint8Array([0xff, 0xfe, 0x00, 0xc3]))],
	]);
	return s;
}
