// Decoding every version from hand-built bytes, every rule of FORMAT.md §2.6, and our fixes (§8.1: v1 files, 0x09+; §2.7: strict).
import { describe, expect, it } from "vitest";
import {
	CorruptSessionError,
	type DecodeOptions,
	decodeSession,
	decodeSessionDetailed,
	encodeSession,
	isSessionError,
	type PersistedSession,
	SessionBackendError,
	UnsupportedVersionError,
} from "../src/index.js";
import { hex, plain, SEQ_KEY_HEX, seqKey, session, thrown, toHex } from "./helpers.js";
import {
	ADDR_SHORT_HEX,
	EMPTY_V8,
	IPV6_DC,
	ONE_DC_NO_KEY,
	ONE_DC_WITH_KEY,
	PEERS_V8,
	V1,
	V2,
	V3,
	V4,
	V5,
	V6,
	V7,
	ZERO_STATE,
} from "./vectors.js";

const state = { pts: 10, qts: 0, date: 1, seq: 2, channels: [{ channelId: 1001n, pts: 7 }] };
const dcOld = {
	dcId: 2,
	addr: "1.2.3.4:443",
	authKey: null,
	firstSalt: 0n,
	timeOffset: 0,
	flags: 0,
};
const peers17 = [
	{ kind: "user", id: 1n, accessHash: 2n, channelKind: null },
	{ kind: "channel", id: 2n, accessHash: 3n, channelKind: null },
	{ kind: "chat", id: 3n, accessHash: 0n, channelKind: null },
] as const;
const peers18 = [
	{ kind: "user", id: 1n, accessHash: 2n, channelKind: null },
	{ kind: "channel", id: 2n, accessHash: 3n, channelKind: "megagroup" },
] as const;
const minOne = [{ userId: 7n, peerId: 8n, msgId: 9 }];

function expected(over: Partial<PersistedSession>): unknown {
	return plain(session({ homeDcId: 2, ...over }));
}

/** Every error thrown while decoding must be the typed CORRUPT_DATA error. */
function expectCorrupt(bytes: Uint8Array, options?: DecodeOptions): CorruptSessionError {
	const error = thrown(() => decodeSession(bytes, options));
	expect(error).toBeInstanceOf(CorruptSessionError);
	expect((error as CorruptSessionError).code).toBe("CORRUPT_DATA");
	expect((error as CorruptSessionError).backend).toBe("codec");
	return error as CorruptSessionError;
}

/** A v8 session with one DC (no key) whose has_key byte is `hasKey`, followed directly by the salt. */
function v8WithHasKey(hasKey: number): Uint8Array {
	const h = hasKey.toString(16).padStart(2, "0");
	return hex(
		`08 | 02000000 | 01 | 02000000 | ${h} | 0500000000000000 | 00000000 | 0b | ${ADDR_SHORT_HEX} | 00 |`,
		ZERO_STATE,
		"| 0000 | 0000 | 0000 | 00",
	);
}

/** A v8 session with one peer whose type, channel-kind and community bytes are given. */
function v8Peer(type: number, kind: number, community: number): Uint8Array {
	const b = (n: number) => n.toString(16).padStart(2, "0");
	return hex(
		"08 | 00000000 | 00 |",
		ZERO_STATE,
		`| 0000 | 0100 | 0100000000000000 0200000000000000 ${b(type)} ${b(kind)} ${b(community)} | 0000 | 00`,
	);
}

function v8Token(hasToken: number, tail = ""): Uint8Array {
	return hex(
		"08 | 00000000 | 00 |",
		ZERO_STATE,
		`| 0000 | 0000 | 0000 | ${hasToken.toString(16).padStart(2, "0")}`,
		tail,
	);
}

describe("decode: every version from hand-built bytes", () => {
	it("v1: no version byte, DCs without flags, nothing after", () => {
		const d = decodeSessionDetailed(V1);
		expect(d.version).toBe(1);
		expect(d.consumed).toBe(V1.length);
		expect(plain(d.session)).toEqual(
			plain(
				session({
					homeDcId: 1,
					dcs: [
						{
							dcId: 1,
							addr: "1.2.3.4:443",
							authKey: seqKey(),
							firstSalt: 5n,
							timeOffset: -2,
							flags: 0,
						},
					],
				}),
			),
		);
	});

	it("v2: update state, channel pts, 17-byte peers; no flags byte", () => {
		const d = decodeSessionDetailed(V2);
		expect(d.version).toBe(2);
		expect(plain(d.session)).toEqual(
			expected({ dcs: [dcOld], updatesState: state, peers: peers17.map((p) => ({ ...p })) }),
		);
	});

	it("v3: a flags byte per DC", () => {
		const d = decodeSessionDetailed(V3);
		expect(d.version).toBe(3);
		expect(plain(d.session)).toEqual(
			expected({
				dcs: [{ ...dcOld, flags: 0x11 }],
				updatesState: state,
				peers: peers17.map((p) => ({ ...p })),
			}),
		);
	});

	it("v4: min peers after the peers", () => {
		const d = decodeSessionDetailed(V4);
		expect(d.version).toBe(4);
		expect(d.consumed).toBe(V4.length);
		expect(plain(d.session)).toEqual(
			expected({
				dcs: [{ ...dcOld, flags: 0x11 }],
				updatesState: state,
				peers: peers17.map((p) => ({ ...p })),
				minPeers: minOne,
			}),
		);
	});

	it("v5: peer type 2 = basic chat (same layout as v4)", () => {
		const d = decodeSessionDetailed(V5);
		expect(d.version).toBe(5);
		expect(d.session.peers[2]).toEqual({ kind: "chat", id: 3n, accessHash: 0n, channelKind: null });
		expect(d.session.minPeers).toEqual(minOne);
	});

	it("v6: 18-byte peers with a channel kind byte", () => {
		const d = decodeSessionDetailed(V6);
		expect(d.version).toBe(6);
		expect(d.consumed).toBe(V6.length);
		expect(plain(d.session)).toEqual(
			expected({
				dcs: [{ ...dcOld, flags: 0x11 }],
				updatesState: state,
				peers: peers18.map((p) => ({ ...p })),
				minPeers: minOne,
			}),
		);
	});

	it("v7: future auth token at the end", () => {
		const d = decodeSessionDetailed(V7);
		expect(d.version).toBe(7);
		expect(d.consumed).toBe(V7.length);
		expect(d.session.futureAuthToken?.equals(hex("abcd"))).toBe(true);
		expect(d.session.peers).toEqual(peers18);
	});

	it("v8: 19-byte peers with the community byte", () => {
		const d = decodeSessionDetailed(PEERS_V8);
		expect(d.version).toBe(8);
		expect(d.session.peers.map((p) => p.kind)).toEqual([
			"user",
			"chat",
			"channel",
			"channel",
			"channel",
			"channel",
			"channel",
			"community",
		]);
	});

	it("loading an old version and saving upgrades it to v8", () => {
		for (const v of [V1, V2, V3, V4, V5, V6, V7]) {
			const again = encodeSession(decodeSession(v));
			expect(again[0]).toBe(8);
			expect(plain(decodeSession(again))).toEqual(plain(decodeSession(v)));
		}
	});
});

describe("decode rules of FORMAT.md §2.6", () => {
	it("empty input is CORRUPT_DATA 'empty session data'", () => {
		expect(expectCorrupt(new Uint8Array(0)).message).toBe("[x-session] [codec] empty session data");
	});

	it("has_key: exactly 1 reads a key; any other value means no key and nothing skipped", () => {
		for (let v = 0; v < 256; v++) {
			if (v === 1) continue;
			const s = decodeSession(v8WithHasKey(v));
			expect(s.dcs).toEqual([
				{ dcId: 2, addr: "1.2.3.4:443", authKey: null, firstSalt: 5n, timeOffset: 0, flags: 0 },
			]);
		}
	});

	it("addresses are lossy UTF-8: invalid bytes become U+FFFD", () => {
		const bytes = hex(
			"08 | 00000000 | 01 | 02000000 | 00 | 0000000000000000 | 00000000 | 03 | 31ff32 | 00 |",
			ZERO_STATE,
			"| 0000 | 0000 | 0000 | 00",
		);
		expect(decodeSession(bytes).dcs[0]?.addr).toBe("1\uFFFD2");
	});

	it("a leading EF BB BF in an address is kept as U+FEFF (as Rust's from_utf8_lossy), so bytes round-trip", () => {
		for (const strict of [false, true]) {
			const bytes = hex(
				"08 | 00000000 | 01 | 02000000 | 00 | 0000000000000000 | 00000000 | 04 | efbbbf31 | 00 |",
				ZERO_STATE,
				"| 0000 | 0000 | 0000 | 00",
			);
			const decoded = decodeSession(bytes, { strict });
			expect(decoded.dcs[0]?.addr).toBe("\uFEFF1");
			expect(toHex(encodeSession(decoded))).toBe(toHex(bytes));
		}
	});

	it("peer_type: 1 → channel, 2 → chat, every other value → user", () => {
		for (let t = 0; t < 256; t++) {
			const kind = decodeSession(v8Peer(t, 0xff, 0)).peers[0]?.kind;
			expect(kind).toBe(t === 1 ? "channel" : t === 2 ? "chat" : "user");
		}
	});

	it("channel_kind: 0/1/2 → that kind; 0xFF and 3..254 → null", () => {
		const kinds = ["broadcast", "megagroup", "gigagroup"];
		for (let k = 0; k < 256; k++) {
			expect(decodeSession(v8Peer(1, k, 0)).peers[0]?.channelKind).toBe(kinds[k] ?? null);
		}
	});

	it("is_community: any non-zero value wins over the type byte", () => {
		for (let c = 1; c < 256; c++) {
			for (const t of [0, 1, 2, 7])
				expect(decodeSession(v8Peer(t, 0xff, c)).peers[0]?.kind).toBe("community");
		}
	});

	it("before v6 there is no channel kind; before v8 no community byte", () => {
		expect(decodeSession(V5).peers.every((p) => p.channelKind === null)).toBe(true);
		expect(decodeSession(V7).peers.some((p) => p.kind === "community")).toBe(false);
	});

	it("has_token: exactly 1 reads a token; any other value → none, nothing more read", () => {
		for (let v = 0; v < 256; v++) {
			if (v === 1) continue;
			expect(decodeSession(v8Token(v)).futureAuthToken).toBeNull();
		}
		expect(decodeSession(v8Token(1, "0000")).futureAuthToken?.length).toBe(0);
		expect(decodeSession(v8Token(1, "0300 aabbcc")).futureAuthToken?.equals(hex("aabbcc"))).toBe(
			true,
		);
	});

	it("min peers are read only from v4 on; bytes after a v3 file are ignored", () => {
		const v3Plus = hex(toHex(V3), MIN_TAIL);
		const d = decodeSessionDetailed(v3Plus);
		expect(d.session.minPeers).toEqual([]);
		expect(d.consumed).toBe(V3.length);
	});

	it("trailing bytes after the last field are ignored, for every version", () => {
		for (const v of [V1, V2, V3, V4, V5, V6, V7, EMPTY_V8, PEERS_V8]) {
			const longer = hex(toHex(v), "00ff13");
			const d = decodeSessionDetailed(longer);
			expect(d.consumed).toBe(v.length);
			expect(plain(d.session)).toEqual(plain(decodeSession(v)));
		}
	});

	it("truncation at every prefix length is CORRUPT_DATA, never another error type", () => {
		for (const v of [
			V1,
			V2,
			V3,
			V4,
			V5,
			V6,
			V7,
			EMPTY_V8,
			ONE_DC_NO_KEY,
			ONE_DC_WITH_KEY,
			IPV6_DC,
			PEERS_V8,
		]) {
			for (let len = 0; len < v.length; len++) {
				const e = expectCorrupt(v.subarray(0, len));
				expect(e.message).toMatch(len === 0 ? /empty session data/ : /truncated session/);
			}
		}
	});

	it("a hostile count cannot allocate: 65535 peers claimed in a 30-byte input fails at once", () => {
		const bytes = hex("08 | 00000000 | 00 |", ZERO_STATE, "| 0000 | ffff | 00");
		expect(expectCorrupt(bytes).message).toMatch(/peer entries needs 1245165 bytes/);
	});

	it("the input is not retained: changing it after decode changes nothing", () => {
		const copy = ONE_DC_WITH_KEY.slice();
		const s = decodeSession(copy);
		copy.fill(0);
		expect(s.dcs[0]?.authKey?.equals(hex(SEQ_KEY_HEX))).toBe(true);
	});

	it("a non-Uint8Array argument is INVALID_ARGUMENT", () => {
		const e = thrown(() => decodeSession([8, 0] as unknown as Uint8Array));
		expect(isSessionError(e, "INVALID_ARGUMENT")).toBe(true);
	});

	it("accepts a Uint8Array view at an offset into a larger buffer", () => {
		const big = new Uint8Array(PEERS_V8.length + 7);
		big.set(PEERS_V8, 3);
		expect(plain(decodeSession(big.subarray(3, 3 + PEERS_V8.length)))).toEqual(
			plain(decodeSession(PEERS_V8)),
		);
	});
});

const MIN_TAIL = "0100 0700000000000000 0800000000000000 09000000";

/** A legacy v1 file with home DC `home`: one DC (with key), no flags byte, nothing after. */
function legacyV1(home: number, dcs = 1): Uint8Array {
	const h = home.toString(16).padStart(2, "0");
	const entry = `${h}000000 | 01 | ${SEQ_KEY_HEX} | 0100000000000000 | 00000000 | 0b | ${ADDR_SHORT_HEX}`;
	return hex(
		`${h}000000 | ${dcs.toString(16).padStart(2, "0")} |`,
		...Array.from({ length: dcs }, () => entry),
	);
}

describe("our fixes to version detection", () => {
	it("FORMAT.md §8.1: a v1 file whose home DC is 2..8 loads as v1 (the reference reads it as that version and fails)", () => {
		for (let home = 2; home <= 8; home++) {
			for (const dcs of [1, 2, 3]) {
				const d = decodeSessionDetailed(legacyV1(home, dcs));
				expect(d.version).toBe(1);
				expect(d.session.homeDcId).toBe(home);
				expect(d.session.dcs).toHaveLength(dcs);
				expect(d.session.dcs[0]?.authKey?.equals(hex(SEQ_KEY_HEX))).toBe(true);
				expect(d.session.dcs[0]?.addr).toBe("1.2.3.4:443");
			}
		}
	});

	it("FORMAT.md §8.1 limit: a 5-byte v1 file with home 2..8 and no DC is indistinguishable from a truncated file and stays CORRUPT_DATA", () => {
		expectCorrupt(hex("02000000 00"));
	});

	it("FORMAT.md §8.1: a truncated v1 file with home 2..8 is still CORRUPT_DATA", () => {
		const v = legacyV1(3);
		for (let len = 1; len < v.length; len++) expectCorrupt(v.subarray(0, len));
	});

	it("v1 files with first byte 0 or 1 load as before, also with home DC 256+", () => {
		const d = decodeSessionDetailed(hex("00010000 00"));
		expect(d.version).toBe(1);
		expect(d.session.homeDcId).toBe(256);
	});

	it("first byte 0x09..0xFF that is not exactly a v1 file → UnsupportedVersionError", () => {
		for (let b = 9; b < 256; b++) {
			const bytes = EMPTY_V8.slice();
			bytes[0] = b;
			const e = thrown(() => decodeSession(bytes));
			expect(e).toBeInstanceOf(UnsupportedVersionError);
			expect((e as UnsupportedVersionError).code).toBe("UNSUPPORTED_VERSION");
			expect((e as UnsupportedVersionError).version).toBe(b);
		}
	});

	it("first byte 0x09+ that is exactly a v1 file (home DC 9+) still loads as v1", () => {
		const d = decodeSessionDetailed(legacyV1(0x0a));
		expect(d.version).toBe(1);
		expect(d.session.homeDcId).toBe(10);
		expect(decodeSessionDetailed(hex("09000000 00")).session.homeDcId).toBe(9);
	});
});

describe("strict decoding rejects what the reference accepts silently", () => {
	const cases: [string, Uint8Array][] = [
		["trailing bytes (v8)", hex(toHex(EMPTY_V8), "00")],
		["trailing bytes (v1)", hex(toHex(V1), "00")],
		["trailing bytes (v3)", hex(toHex(V3), MIN_TAIL)],
		["has_key 2", v8WithHasKey(2)],
		["has_key 255", v8WithHasKey(255)],
		[
			"invalid UTF-8 address",
			hex(
				"08 | 00000000 | 01 | 02000000 | 00 | 0000000000000000 | 00000000 | 03 | 31ff32 | 00 |",
				ZERO_STATE,
				"| 0000 | 0000 | 0000 | 00",
			),
		],
		["peer type 3", v8Peer(3, 0xff, 0)],
		["peer type 255", v8Peer(255, 0xff, 0)],
		["channel kind 3", v8Peer(1, 3, 0)],
		["channel kind 254", v8Peer(1, 254, 0)],
		["is_community 2", v8Peer(0, 0xff, 2)],
		["community with type byte 1", v8Peer(1, 0xff, 1)],
		["has_token 2", v8Token(2)],
	];
	for (const [name, bytes] of cases) {
		it(name, () => {
			expect(() => decodeSession(bytes)).not.toThrow();
			expectCorrupt(bytes, { strict: true });
		});
	}

	it("accepts every well-formed vector", () => {
		for (const v of [
			V1,
			V2,
			V3,
			V4,
			V5,
			V6,
			V7,
			EMPTY_V8,
			ONE_DC_NO_KEY,
			ONE_DC_WITH_KEY,
			IPV6_DC,
			PEERS_V8,
			legacyV1(4),
		]) {
			expect(plain(decodeSession(v, { strict: true }))).toEqual(plain(decodeSession(v)));
		}
	});

	it("strict errors are SessionBackendErrors too (one catch handles every decode failure)", () => {
		expect(thrown(() => decodeSession(v8Peer(9, 0xff, 0), { strict: true }))).toBeInstanceOf(
			SessionBackendError,
		);
	});
});
