// Native and compact strings (FORMAT.md §3, §5, §6), detection order, base64 strictness, IPv6 text as Rust prints it.
import { describe, expect, it } from "vitest";
import {
	type CompactSession,
	CorruptSessionError,
	compactFromSession,
	compactToSession,
	decodeCompactString,
	decodeNativeString,
	decodeNativeStringDetailed,
	decodeSessionString,
	emptySession,
	encodeCompactString,
	encodeNativeString,
	isSessionError,
	SecretBytes,
	UnsupportedVersionError,
} from "../src/index.js";
import { base64Decode, base64Encode, formatIpv6, parseIpv4, parseIpv6 } from "../src/toolkit.js";
import {
	b64,
	b64url,
	dc,
	hex,
	plain,
	SEQ_KEY_HEX,
	seqKey,
	session,
	thrown,
	toHex,
} from "./helpers.js";
import { ONE_DC_WITH_KEY, PEERS_SESSION, PEERS_V8, V2 } from "./vectors.js";

// Compact layouts by hand (FORMAT.md §5): integers BIG-endian.
const V2_IPV4 = hex("02 | 02 | 04 | 959aa733 | 01bb | 0000000012345678 |", SEQ_KEY_HEX);
const V2_IPV6 = hex(
	"02 | 04 | 06 | 20010b28f23df001000000000000000a | 01bb | 0000000012345678 |",
	SEQ_KEY_HEX,
);
const V1_IPV4 = hex(
	"01 | 02 | 04 | 959aa733 | 01bb | 0102030405060708 | fffffffffffffffe | 00000007 | 000000c3 |",
	SEQ_KEY_HEX,
);
const V1_IPV6 = hex(
	"01 | 04 | 06 | 20010b28f23df001000000000000000a | 01bb | 0102030405060708 | fffffffffffffffe | 00000007 | 000000c3 |",
	SEQ_KEY_HEX,
);

const compactV2: CompactSession = {
	version: 2,
	dcId: 2,
	ip: "149.154.167.51",
	port: 443,
	userId: 0x12345678n,
	authKey: seqKey(),
};
const compactV1: CompactSession = {
	version: 1,
	dcId: 2,
	ip: "149.154.167.51",
	port: 443,
	userId: 0x0102030405060708n,
	authKey: seqKey(),
	serverSalt: -2n,
	seqNo: 7,
	layer: 195,
};

const fields = (c: CompactSession) => ({ ...c, authKey: toHex(c.authKey.expose()) });

describe("base64 (RFC 4648 URL-safe, no padding)", () => {
	it("hand-computed vectors", () => {
		expect(base64Encode(hex("fbff"))).toBe("-_8");
		expect(base64Encode(hex("fbff"), { alphabet: "standard", pad: true })).toBe("+/8=");
		expect(base64Encode(hex("08"))).toBe("CA");
		expect(base64Encode(hex("000000"))).toBe("AAAA");
		expect(base64Encode(new Uint8Array(0))).toBe("");
		expect(toHex(base64Decode("-_8"))).toBe("fbff");
		expect(toHex(base64Decode("+/8=", { lenient: true }))).toBe("fbff");
	});

	it("agrees with Node's base64url for every length 0..300 and long inputs", () => {
		for (let n = 0; n <= 300; n++) {
			const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
			expect(base64Encode(bytes)).toBe(b64url(bytes));
			expect(toHex(base64Decode(b64url(bytes)))).toBe(toHex(bytes));
		}
		const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) & 255);
		expect(base64Encode(big)).toBe(b64url(big));
	});

	it("strict rejects '=', '+', '/', inner whitespace, a dangling character and non-zero trailing bits", () => {
		for (const bad of ["-_8=", "+/8", "ab/c", "AA AA", "AA\nAA", "A", "AAAAA", "-_9", "AB", "é"]) {
			expect(thrown(() => base64Decode(bad))).toBeInstanceOf(CorruptSessionError);
		}
	});

	it("lenient accepts padding and the standard alphabet, but not misplaced padding", () => {
		expect(toHex(base64Decode("+/8=", { lenient: true }))).toBe("fbff");
		expect(toHex(base64Decode("-_8", { lenient: true }))).toBe("fbff");
		expect(toHex(base64Decode("CA==", { lenient: true }))).toBe("08");
		for (const bad of ["CA=", "C===", "C=A=", "CA===", "=CA"]) {
			expect(thrown(() => base64Decode(bad, { lenient: true }))).toBeInstanceOf(
				CorruptSessionError,
			);
		}
	});
});

describe("native string", () => {
	it("is base64url without padding of the v8 bytes; the empty session is C + 38 A", () => {
		expect(encodeNativeString(emptySession())).toBe(`C${"A".repeat(38)}`);
		expect(encodeNativeString(PEERS_SESSION())).toBe(b64url(PEERS_V8));
		expect(plain(decodeNativeString(b64url(PEERS_V8)))).toEqual(plain(PEERS_SESSION()));
	});

	it("decodes older versions too", () => {
		const d = decodeNativeStringDetailed(b64url(V2));
		expect(d.version).toBe(2);
		expect(d.session.peers).toHaveLength(3);
	});

	it("strict: rejects padding, the standard alphabet, inner whitespace and non-zero trailing bits", () => {
		const url = b64url(ONE_DC_WITH_KEY);
		expect(url).toMatch(/[-_]/);
		const standard = url.replace(/-/g, "+").replace(/_/g, "/");
		const empty = `C${"A".repeat(38)}`;
		for (const bad of [
			`${empty}=`,
			standard,
			`${empty.slice(0, 10)} ${empty.slice(10)}`,
			`${empty.slice(0, 10)}\n${empty.slice(10)}`,
			`${empty.slice(0, -1)}B`,
		]) {
			const e = thrown(() => decodeNativeString(bad));
			expect(e).toBeInstanceOf(CorruptSessionError);
		}
	});

	it("lenient: accepts padding and the standard alphabet", () => {
		const url = b64url(ONE_DC_WITH_KEY);
		const standard = b64(ONE_DC_WITH_KEY);
		expect(standard).toMatch(/[+/]/);
		expect(plain(decodeNativeString(standard, { lenient: true }))).toEqual(
			plain(decodeNativeString(url)),
		);
		expect(decodeNativeString(`C${"A".repeat(38)}=`, { lenient: true }).homeDcId).toBe(0);
	});

	it("trims the ends as Rust's str::trim does (U+0085 yes, BOM no)", () => {
		const s = `C${"A".repeat(38)}`;
		for (const ws of [" ", "\n", "\t", "\r\n", "\u0085", "\u00a0", "\u2028", "\u3000"]) {
			expect(decodeNativeString(`${ws}${s}${ws}`).homeDcId).toBe(0);
		}
		expect(thrown(() => decodeNativeString(`\ufeff${s}`))).toBeInstanceOf(CorruptSessionError);
	});

	it("empty or whitespace-only is CORRUPT_DATA; a non-string is INVALID_ARGUMENT", () => {
		expect(thrown(() => decodeNativeString("  "))).toBeInstanceOf(CorruptSessionError);
		expect(
			isSessionError(
				thrown(() => decodeNativeString(5 as unknown as string)),
				"INVALID_ARGUMENT",
			),
		).toBe(true);
	});

	it("passes the strict option to the binary decoder", () => {
		const trailing = b64url(hex(toHex(PEERS_V8), "00"));
		expect(() => decodeNativeString(trailing)).not.toThrow();
		expect(thrown(() => decodeNativeString(trailing, { strict: true }))).toBeInstanceOf(
			CorruptSessionError,
		);
	});
});

describe("compact string (big-endian)", () => {
	it("V2 IPv4: 273 bytes → 364 chars, hand-built layout", () => {
		expect(V2_IPV4.length).toBe(273);
		const text = encodeCompactString(compactV2);
		expect(text).toHaveLength(364);
		expect(text.startsWith("AgIE")).toBe(true); // 02 02 04
		expect(text).toBe(b64url(V2_IPV4));
		expect(fields(decodeCompactString(text))).toEqual(fields(compactV2));
	});

	it("V2 IPv6: 285 bytes → 380 chars, address printed as Rust does", () => {
		expect(V2_IPV6.length).toBe(285);
		const c: CompactSession = { ...compactV2, dcId: 4, ip: "2001:b28:f23d:f001::a" };
		const text = encodeCompactString(c);
		expect(text).toHaveLength(380);
		expect(text).toBe(b64url(V2_IPV6));
		expect(fields(decodeCompactString(text))).toEqual(fields(c));
		// a non-canonical spelling encodes to the same bytes and decodes canonical
		expect(encodeCompactString({ ...c, ip: "2001:0B28:f23d:f001:0:0:0:000a" })).toBe(text);
	});

	it("V1 IPv4 / IPv6: 289 / 301 bytes → 386 / 402 chars, with salt, seq_no and layer", () => {
		expect(V1_IPV4.length).toBe(289);
		expect(V1_IPV6.length).toBe(301);
		const t4 = encodeCompactString(compactV1);
		expect(t4).toHaveLength(386);
		expect(t4.startsWith("AQIE")).toBe(true); // 01 02 04
		expect(t4).toBe(b64url(V1_IPV4));
		expect(fields(decodeCompactString(t4))).toEqual(fields(compactV1));
		const c6: CompactSession = { ...compactV1, dcId: 4, ip: "2001:b28:f23d:f001::a" };
		const t6 = encodeCompactString(c6);
		expect(t6).toHaveLength(402);
		expect(t6).toBe(b64url(V1_IPV6));
		expect(fields(decodeCompactString(t6))).toEqual(fields(c6));
	});

	it("user id, salt, seq_no and layer are big-endian", () => {
		const d = decodeCompactString(b64url(V1_IPV4));
		expect(d.userId).toBe(0x0102030405060708n);
		expect(d.serverSalt).toBe(-2n);
		expect(d.seqNo).toBe(7);
		expect(d.layer).toBe(195);
		expect(d.port).toBe(443);
	});

	it("unknown version → UnsupportedVersionError; unknown ip type → CORRUPT_DATA", () => {
		for (const v of [0, 3, 8, 255]) {
			const bytes = V2_IPV4.slice();
			bytes[0] = v;
			const e = thrown(() => decodeCompactString(b64url(bytes)));
			expect(e).toBeInstanceOf(UnsupportedVersionError);
			expect((e as UnsupportedVersionError).version).toBe(v);
		}
		for (const t of [0, 5, 7, 255]) {
			const bytes = V2_IPV4.slice();
			bytes[2] = t;
			expect(thrown(() => decodeCompactString(b64url(bytes)))).toBeInstanceOf(CorruptSessionError);
		}
	});

	it("too short at every length → CORRUPT_DATA; trailing bytes are ignored", () => {
		for (const v of [V2_IPV4, V2_IPV6, V1_IPV4, V1_IPV6]) {
			for (let len = 0; len < v.length; len++) {
				expect(thrown(() => decodeCompactString(b64url(v.subarray(0, len))))).toBeInstanceOf(
					CorruptSessionError,
				);
			}
			const longer = hex(toHex(v), "aabbcc");
			expect(fields(decodeCompactString(b64url(longer)))).toEqual(
				fields(decodeCompactString(b64url(v))),
			);
		}
	});

	it("encode refuses what does not fit", () => {
		expect(
			isSessionError(
				thrown(() => encodeCompactString({ ...compactV2, dcId: 256 })),
				"ENCODE_OVERFLOW",
			),
		).toBe(true);
		expect(
			isSessionError(
				thrown(() => encodeCompactString({ ...compactV2, port: 65536 })),
				"ENCODE_OVERFLOW",
			),
		).toBe(true);
		expect(
			isSessionError(
				thrown(() => encodeCompactString({ ...compactV2, ip: "example.org" })),
				"INVALID_ARGUMENT",
			),
		).toBe(true);
		expect(
			isSessionError(
				thrown(() =>
					encodeCompactString({ ...compactV2, authKey: new SecretBytes(new Uint8Array(8)) }),
				),
				"INVALID_ARGUMENT",
			),
		).toBe(true);
	});

	it("compactToSession builds one DC as the reference does", () => {
		expect(plain(compactToSession(compactV2))).toEqual(
			plain(
				session({
					homeDcId: 2,
					dcs: [dc({ addr: "149.154.167.51:443", authKey: seqKey(), flags: 0 })],
				}),
			),
		);
		const s6 = compactToSession({ ...compactV1, dcId: 4, ip: "2001:b28:f23d:f001::a" });
		expect(s6.homeDcId).toBe(4);
		expect(s6.dcs).toHaveLength(1);
		expect(s6.dcs[0]).toMatchObject({
			dcId: 4,
			addr: "[2001:b28:f23d:f001::a]:443",
			firstSalt: -2n,
			timeOffset: 0,
			flags: 1,
		});
	});

	it("compactFromSession: the home DC's IPv4 entry with a key; undefined when there is none", () => {
		const s = session({
			homeDcId: 2,
			dcs: [
				dc({ dcId: 2, addr: "[2001:67c:4e8:f002::a]:443", flags: 1, authKey: seqKey() }),
				dc({ dcId: 2, addr: "149.154.167.51:443", authKey: seqKey() }),
			],
		});
		expect(fields(compactFromSession(s, 0x12345678n) as CompactSession)).toEqual(fields(compactV2));
		// only an IPv6 entry: falls back to it (reference dc_for)
		const only6 = session({
			homeDcId: 2,
			dcs: [dc({ addr: "[2001:67c:4e8:f002::a]:443", flags: 1, authKey: seqKey() })],
		});
		expect(compactFromSession(only6, 1n)?.ip).toBe("2001:67c:4e8:f002::a");
		expect(compactFromSession(session({ homeDcId: 2, dcs: [dc()] }), 1n)).toBeUndefined(); // no key
		expect(
			compactFromSession(session({ homeDcId: 3, dcs: [dc({ authKey: seqKey() })] }), 1n),
		).toBeUndefined(); // no home DC
		expect(
			compactFromSession(
				session({ homeDcId: 2, dcs: [dc({ addr: "nonsense", authKey: seqKey() })] }),
				1n,
			),
		).toBeUndefined();
		expect(
			compactFromSession(
				session({ homeDcId: 300, dcs: [dc({ dcId: 300, authKey: seqKey() })] }),
				1n,
			),
		).toBeUndefined();
	});
});

describe("decodeSessionString: detection in the reference's order", () => {
	it("empty or whitespace → no session", () => {
		expect(decodeSessionString("")).toEqual({ format: "empty", session: null });
		expect(decodeSessionString(" \n\t")).toEqual({ format: "empty", session: null });
	});

	it("compact first, and the user id is kept (FORMAT.md §8.10)", () => {
		const d = decodeSessionString(` ${encodeCompactString(compactV1)}\n`);
		expect(d.format).toBe("compact");
		if (d.format !== "compact") throw new Error("unreachable");
		expect(d.compact.userId).toBe(0x0102030405060708n);
		expect(d.compact.layer).toBe(195);
		expect(plain(d.session)).toEqual(plain(compactToSession(compactV1)));
	});

	it("then native, any version", () => {
		const d8 = decodeSessionString(encodeNativeString(PEERS_SESSION()));
		expect(d8.format).toBe("native");
		if (d8.format !== "native") throw new Error("unreachable");
		expect(d8.version).toBe(8);
		expect(plain(d8.session)).toEqual(plain(PEERS_SESSION()));
		// a v2 native string: byte 2 is 0, so compact fails with an unknown ip type
		const d2 = decodeSessionString(b64url(V2));
		expect(d2.format === "native" && d2.version).toBe(2);
	});

	it("neither → a typed error", () => {
		expect(thrown(() => decodeSessionString("not base64!"))).toBeInstanceOf(CorruptSessionError);
		const v9 = hex("09 00000000 00 00000000 00000000 00000000 00000000 0000 0000 0000 00");
		expect(thrown(() => decodeSessionString(b64url(v9)))).toBeInstanceOf(UnsupportedVersionError);
		expect(
			isSessionError(
				thrown(() => decodeSessionString(null as unknown as string)),
				"INVALID_ARGUMENT",
			),
		).toBe(true);
	});

	it("lenient applies to both formats", () => {
		const c = b64(V2_IPV4);
		expect(() => decodeSessionString(c)).toThrow(CorruptSessionError);
		expect(decodeSessionString(c, { lenient: true }).format).toBe("compact");
	});
});

describe("IP text", () => {
	// Expected strings printed by Rust's std::net::Ipv6Addr Display (rustc, checked when writing this test).
	const RUST: [number[], string][] = [
		[[0, 0, 0, 0, 0, 0, 0, 0], "::"],
		[[0, 0, 0, 0, 0, 0, 0, 1], "::1"],
		[[1, 0, 0, 0, 0, 0, 0, 0], "1::"],
		[[0x2001, 0xdb8, 0, 1, 1, 1, 1, 1], "2001:db8:0:1:1:1:1:1"],
		[[0x2001, 0xdb8, 0, 0, 1, 0, 0, 1], "2001:db8::1:0:0:1"],
		[[0x2001, 0, 0, 1, 0, 0, 0, 1], "2001:0:0:1::1"],
		[[0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304], "::ffff:1.2.3.4"],
		[[0, 0, 0, 0, 0, 0, 0x0102, 0x0304], "::102:304"],
		[[0x2001, 0xb28, 0xf23d, 0xf001, 0, 0, 0, 0xa], "2001:b28:f23d:f001::a"],
		[
			[0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff],
			"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		],
		[[0, 0, 0, 0, 0, 0xfffe, 0x0102, 0x0304], "::fffe:102:304"],
		[[0x64, 0xff9b, 0, 0, 0, 0, 0x0102, 0x0304], "64:ff9b::102:304"],
		[[1, 0, 1, 0, 1, 0, 1, 0], "1:0:1:0:1:0:1:0"],
		[[0, 1, 0, 1, 0, 1, 0, 1], "0:1:0:1:0:1:0:1"],
		[[0xabcd, 0, 0, 0xef, 0, 0, 0, 0], "abcd:0:0:ef::"],
	];
	const bytesOf = (w: number[]) => Uint8Array.from(w.flatMap((x) => [x >> 8, x & 255]));

	it("formats IPv6 like Rust (RFC 5952: longest zero run ≥ 2, first on ties, lowercase; ::ffff:a.b.c.d)", () => {
		for (const [w, text] of RUST) expect(formatIpv6(bytesOf(w))).toBe(text);
	});

	it("parses what it prints, and what Rust parses", () => {
		for (const [w, text] of RUST)
			expect(toHex(parseIpv6(text) as Uint8Array)).toBe(toHex(bytesOf(w)));
		expect(toHex(parseIpv6("1:2:3:4:5:6:7::") as Uint8Array)).toBe(
			toHex(bytesOf([1, 2, 3, 4, 5, 6, 7, 0])),
		);
		expect(toHex(parseIpv6("::1.2.3.4") as Uint8Array)).toBe(
			toHex(bytesOf([0, 0, 0, 0, 0, 0, 0x102, 0x304])),
		);
	});

	it("rejects what Rust rejects", () => {
		for (const bad of [
			"1:2:3:4:5:6:7::8",
			"1::2::3",
			"01.2.3.4",
			"",
			":1::",
			"12345::",
			"1:2:3:4:5:6:7",
			"::g",
			"[::1]",
		]) {
			expect(parseIpv6(bad)).toBeUndefined();
		}
		for (const bad of ["01.2.3.4", "1.2.3.04", "256.1.1.1", "1.2.3", "1.2.3.4.5", "a.b.c.d", ""]) {
			expect(parseIpv4(bad)).toBeUndefined();
		}
		expect(toHex(parseIpv4("1.2.3.4") as Uint8Array)).toBe("01020304");
	});
});
