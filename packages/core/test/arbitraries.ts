// fast-check arbitraries for sessions within the format's limits.
import fc from "fast-check";
import {
	type CachedPeer,
	type CompactSession,
	type DcEntry,
	type PeerMeta,
	type PersistedSession,
	SecretBytes,
} from "../src/index.js";
import { formatIpv4, formatIpv6 } from "../src/toolkit.js";

export const i64: fc.Arbitrary<bigint> = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
export const i32: fc.Arbitrary<number> = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const secretOf = (length: number) =>
	fc.uint8Array({ minLength: length, maxLength: length }).map((b) => new SecretBytes(b));

export const dcEntry: fc.Arbitrary<DcEntry> = fc.record({
	dcId: i32,
	// any Unicode text (no lone surrogates) up to 60 code points = at most 240 UTF-8 bytes
	addr: fc.oneof(
		fc.string({ unit: "binary", maxLength: 60 }),
		fc.constantFrom("149.154.167.51:443", "[2001:67c:4e8:f002::a]:443", ""),
	),
	authKey: fc.option(secretOf(256), { nil: null }),
	firstSalt: i64,
	timeOffset: i32,
	flags: fc.integer({ min: 0, max: 255 }),
});

export const peer: fc.Arbitrary<CachedPeer> = fc.record({
	kind: fc.constantFrom("user", "chat", "channel", "community"),
	id: i64,
	accessHash: fc.oneof(i64, fc.constant(0n)),
	channelKind: fc.constantFrom(null, "broadcast", "megagroup", "gigagroup"),
});

export const peerMeta: fc.Arbitrary<PeerMeta> = fc.record({
	usernames: fc.uniqueArray(fc.stringMatching(/^[a-z0-9_]{1,12}$/), { maxLength: 3 }),
	phone: fc.option(fc.stringMatching(/^[0-9]{1,15}$/), { nil: null }),
	name: fc.option(fc.string({ maxLength: 20, unit: "grapheme" }), { nil: null }),
	updatedAt: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
	isMin: fc.boolean(),
	data: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: null }),
});

/** A session whose peers are unique by identity, some with metadata, and extension values. */
export const sessionWithMetaArb: fc.Arbitrary<PersistedSession> = fc
	.tuple(
		sessionArb({ dcs: 2, peers: 0, minPeers: 2, channels: 2, token: 40 }),
		fc.uniqueArray(fc.tuple(peer, fc.option(peerMeta, { nil: undefined })), {
			maxLength: 20,
			selector: ([p]) => `${p.kind}:${p.id}`,
		}),
		fc.uniqueArray(
			fc.tuple(fc.string({ minLength: 1, maxLength: 30 }), fc.uint8Array({ maxLength: 60 })),
			{
				maxLength: 5,
				selector: ([k]) => k,
			},
		),
	)
	.map(([s, peers, extensions]) => ({
		...s,
		peers: peers.map(([p, meta]) => (meta ? { ...p, meta } : p)),
		...(extensions.length > 0
			? { extensions: new Map(extensions.map(([k, v]) => [k, new SecretBytes(v)])) }
			: {}),
	}));

export function sessionArb(
	max = { dcs: 6, peers: 40, minPeers: 10, channels: 10, token: 300 },
): fc.Arbitrary<PersistedSession> {
	return fc.record({
		homeDcId: i32,
		dcs: fc.array(dcEntry, { maxLength: max.dcs }),
		updatesState: fc.record({
			pts: i32,
			qts: i32,
			date: i32,
			seq: i32,
			channels: fc.array(fc.record({ channelId: i64, pts: i32 }), { maxLength: max.channels }),
		}),
		peers: fc.array(peer, { maxLength: max.peers }),
		minPeers: fc.array(fc.record({ userId: i64, peerId: i64, msgId: i32 }), {
			maxLength: max.minPeers,
		}),
		futureAuthToken: fc.option(
			fc.uint8Array({ maxLength: max.token }).map((b) => new SecretBytes(b)),
			{ nil: null },
		),
	});
}

export const compactArb: fc.Arbitrary<CompactSession> = fc
	.record({
		version: fc.constantFrom(1 as const, 2 as const),
		dcId: fc.integer({ min: 0, max: 255 }),
		ip: fc.oneof(
			fc.uint8Array({ minLength: 4, maxLength: 4 }).map(formatIpv4),
			fc.uint8Array({ minLength: 16, maxLength: 16 }).map(formatIpv6),
		),
		port: fc.integer({ min: 0, max: 65535 }),
		userId: i64,
		authKey: secretOf(256),
		serverSalt: i64,
		seqNo: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
		layer: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
	})
	.map(({ serverSalt, seqNo, layer, ...c }) =>
		c.version === 1 ? { ...c, serverSalt, seqNo, layer } : c,
	);
