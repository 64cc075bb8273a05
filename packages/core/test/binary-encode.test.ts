// Known-answer vectors for the v8 writer, laid out by hand from FORMAT.md §2.1 (little-endian).
import { describe, expect, it } from "vitest";
import {
	decodeSession,
	emptySession,
	encodedSize,
	encodeNativeString,
	encodeSession,
} from "../src/index.js";
import { dc, hex, plain, SEQ_KEY_HEX, seqKey, session, toHex } from "./helpers.js";
import {
	ADDR_V4_HEX,
	ADDR_V6_HEX,
	EMPTY_V8,
	IPV6_DC,
	ONE_DC_NO_KEY,
	ONE_DC_WITH_KEY,
	PEERS_SESSION,
	PEERS_V8,
} from "./vectors.js";

describe("v8 encoder: known-answer vectors", () => {
	it("empty default session is 29 bytes and its native string starts with C", () => {
		const bytes = encodeSession(emptySession());
		expect(bytes.length).toBe(29);
		expect(toHex(bytes)).toBe(toHex(EMPTY_V8));
		expect(encodedSize(emptySession())).toBe(29);
		const native = encodeNativeString(emptySession());
		expect(native[0]).toBe("C");
		// 29 zero-ish bytes: 0x08 then 28 zeros → "C" and 38 "A"s, no padding
		expect(native).toBe(`C${"A".repeat(38)}`);
	});

	it("one DC without key", () => {
		const s = session({
			homeDcId: 2,
			dcs: [dc({ firstSalt: 0x0102030405060708n, timeOffset: -1 })],
		});
		expect(toHex(encodeSession(s))).toBe(toHex(ONE_DC_NO_KEY));
		expect(ONE_DC_NO_KEY.length).toBe(29 + 19 + 18);
		expect(encodedSize(s)).toBe(ONE_DC_NO_KEY.length);
	});

	it("one DC with key (256 bytes after has_key = 1) and flags byte", () => {
		const s = session({
			homeDcId: 2,
			dcs: [dc({ authKey: seqKey(), firstSalt: 0x0102030405060708n, timeOffset: -1, flags: 0x10 })],
		});
		expect(toHex(encodeSession(s))).toBe(toHex(ONE_DC_WITH_KEY));
		expect(ONE_DC_WITH_KEY.length).toBe(29 + 19 + 18 + 256);
	});

	it("IPv6 DC: address as text in brackets, flag bit 0x01", () => {
		const s = session({
			homeDcId: 1,
			dcs: [dc({ dcId: 1, addr: "[2001:b28:f23d:f001::a]:443", timeOffset: 3, flags: 0x01 })],
		});
		expect(ADDR_V6_HEX).toBe(toHex(new TextEncoder().encode("[2001:b28:f23d:f001::a]:443")));
		expect(ADDR_V4_HEX).toBe(toHex(new TextEncoder().encode("149.154.167.51:443")));
		expect(toHex(encodeSession(s))).toBe(toHex(IPV6_DC));
	});

	it("peers of every kind, channel kinds and 0xFF, min peers, channel pts, token", () => {
		expect(toHex(encodeSession(PEERS_SESSION()))).toBe(toHex(PEERS_V8));
		expect(PEERS_V8.length).toBe(29 + 12 + 8 * 19 + 2 * 20 + 2 + 4);
		expect(encodedSize(PEERS_SESSION())).toBe(PEERS_V8.length);
	});

	it("a community is written with type byte 0 whatever its channel kind", () => {
		const s = session({
			peers: [{ kind: "community", id: 1n, accessHash: 2n, channelKind: "megagroup" }],
		});
		const bytes = encodeSession(s);
		expect(toHex(bytes.subarray(26, 26 + 19))).toBe(
			toHex(hex("0100000000000000 0200000000000000 00 01 01")),
		);
	});

	it("the vectors decode back to the same sessions", () => {
		expect(plain(decodeSession(EMPTY_V8))).toEqual(plain(emptySession()));
		expect(plain(decodeSession(PEERS_V8))).toEqual(plain(PEERS_SESSION()));
		const withKey = decodeSession(ONE_DC_WITH_KEY);
		expect(withKey.dcs[0]?.authKey?.equals(hex(SEQ_KEY_HEX))).toBe(true);
		expect(withKey.dcs[0]?.flags).toBe(0x10);
		expect(decodeSession(IPV6_DC).dcs[0]).toMatchObject({
			addr: "[2001:b28:f23d:f001::a]:443",
			flags: 1,
		});
	});

	it("byte identity: encode(decode(bytes)) === bytes for reference-shaped v8 input", () => {
		for (const v of [EMPTY_V8, ONE_DC_NO_KEY, ONE_DC_WITH_KEY, IPV6_DC, PEERS_V8]) {
			expect(toHex(encodeSession(decodeSession(v)))).toBe(toHex(v));
		}
	});
});
