import { DcFlags, SecretBytes } from "@x/session-core";
import { describe, expect, it } from "vitest";
import {
	decodeGramjsString,
	decodeMtcuteString,
	decodePyrogramString,
	decodeTelethonString,
	encodeGramjsString,
	encodeMtcuteString,
	encodePyrogramString,
	encodeTelethonString,
} from "../src/index.js";
import { expectTypedError, hex, oneDc } from "./helpers.js";
import {
	ascii,
	basicDc,
	be16,
	be32,
	be64,
	bytes,
	gramjsHost,
	gramjsV4,
	gramjsV6,
	gramjsV6Text,
	KEY,
	le32,
	le64,
	mtcuteFull,
	mtcuteV6Test,
	pyroCurrent,
	pyroOld32,
	pyroOld64,
	telethonV4,
	telethonV6,
	tlBytes,
	urlsafePadded,
} from "./vectors.js";

describe("Telethon StringSession", () => {
	it("IPv4 vector: 353 characters, decoded and re-encoded exactly", () => {
		expect(telethonV4).toHaveLength(353);
		const { session, extra } = decodeTelethonString(telethonV4);
		expect(extra.layout).toBe("ipv4");
		expect(session.homeDcId).toBe(2);
		expect(session.dcs).toHaveLength(1);
		expect(session.dcs[0]?.addr).toBe("149.154.167.51:443");
		expect(session.dcs[0]?.flags).toBe(DcFlags.NONE);
		expect(hex(session.dcs[0]?.authKey?.expose() ?? new Uint8Array())).toBe(hex(KEY));
		expect(encodeTelethonString(session)).toBe(telethonV4);
	});

	it("IPv6 vector: 369 characters, canonical address text, IPV6 flag", () => {
		expect(telethonV6).toHaveLength(369);
		const { session, extra } = decodeTelethonString(telethonV6);
		expect(extra.layout).toBe("ipv6");
		expect(session.dcs[0]?.addr).toBe("[2001:67c:4e8:f002::a]:443");
		expect(session.dcs[0]?.flags).toBe(DcFlags.IPV6);
		expect(encodeTelethonString(session)).toBe(telethonV6);
	});

	it("an all-zero key means no key (as Telethon)", () => {
		const zero = `1${urlsafePadded(bytes([2, 1, 2, 3, 4], be16(443), new Uint8Array(256)))}`;
		expect(decodeTelethonString(zero).session.dcs[0]?.authKey).toBeNull();
	});

	it("encoding picks the home DC's IPv4 main entry, or IPv6 on request", () => {
		const s = oneDc(2, "149.154.167.51:443", KEY);
		s.dcs.push({
			dcId: 2,
			addr: "[2001:67c:4e8:f002::a]:443",
			authKey: new SecretBytes(KEY),
			firstSalt: 0n,
			timeOffset: 0,
			flags: DcFlags.IPV6,
		});
		s.dcs.unshift({
			dcId: 2,
			addr: "149.154.167.222:443",
			authKey: new SecretBytes(KEY),
			firstSalt: 0n,
			timeOffset: 0,
			flags: DcFlags.MEDIA_ONLY,
		});
		expect(encodeTelethonString(s)).toBe(telethonV4);
		expect(encodeTelethonString(s, { ipv6: true })).toBe(telethonV6);
	});

	it("rejects a GramJS-layout string, bad prefix, bad length, hostname and keyless sessions", () => {
		expectTypedError(() => decodeTelethonString(gramjsV4), "CORRUPT_DATA", [gramjsV4.slice(1, 40)]);
		expectTypedError(() => decodeTelethonString(`2${telethonV4.slice(1)}`), "CORRUPT_DATA");
		expectTypedError(() => decodeTelethonString(telethonV4.slice(0, 300)), "CORRUPT_DATA");
		expectTypedError(
			() => decodeTelethonString(`${telethonV4.slice(0, 100)}!${telethonV4.slice(101)}`),
			"CORRUPT_DATA",
		);
		expectTypedError(
			() => encodeTelethonString(oneDc(4, "vesta.web.telegram.org:443", KEY)),
			"INVALID_ARGUMENT",
		);
		expectTypedError(() => encodeTelethonString(oneDc(2, "1.2.3.4:443", null)), "INVALID_ARGUMENT");
	});
});

describe("GramJS StringSession", () => {
	it("IPv4 text vector (369 chars, 1BAAOMTQ5) decodes and re-encodes exactly", () => {
		expect(gramjsV4).toHaveLength(369);
		expect(gramjsV4.startsWith("1BAAOMTQ5")).toBe(true);
		const { session, extra } = decodeGramjsString(gramjsV4);
		expect(extra.layout).toBe("gramjs");
		expect(session.homeDcId).toBe(4);
		expect(session.dcs[0]?.addr).toBe("149.154.167.91:80");
		expect(encodeGramjsString(session)).toBe(gramjsV4);
	});

	it("hostname vector (381 chars) keeps the hostname", () => {
		expect(gramjsHost).toHaveLength(381);
		expect(gramjsHost.startsWith("1BAAWdmVz")).toBe(true);
		const { session } = decodeGramjsString(gramjsHost);
		expect(session.dcs[0]?.addr).toBe("vesta.web.telegram.org:443");
		expect(session.dcs[0]?.flags).toBe(0);
		expect(encodeGramjsString(session)).toBe(gramjsHost);
	});

	it("full IPv6 text vector (401 chars) keeps the text as written, with the IPV6 flag", () => {
		expect(gramjsV6).toHaveLength(401);
		expect(gramjsV6.startsWith("1AgAnMjAw")).toBe(true);
		const { session } = decodeGramjsString(gramjsV6);
		expect(session.dcs[0]?.addr).toBe(`[${gramjsV6Text}]:443`);
		expect(session.dcs[0]?.flags).toBe(DcFlags.IPV6);
		expect(encodeGramjsString(session)).toBe(gramjsV6);
	});

	it("reads Telethon's layouts like GramJS does", () => {
		expect(decodeGramjsString(telethonV4).extra.layout).toBe("telethon-ipv4");
		expect(decodeGramjsString(telethonV6).extra.layout).toBe("telethon-ipv6");
		expect(decodeGramjsString(telethonV6).session.dcs[0]?.addr).toBe("[2001:67c:4e8:f002::a]:443");
	});

	it("refuses ports GramJS cannot write and malformed strings", () => {
		expectTypedError(() => encodeGramjsString(oneDc(2, "1.2.3.4:40000", KEY)), "INVALID_ARGUMENT");
		const negPort = `1${bytes([2], be16(7), ascii("1.2.3.4"), [0x9c, 0x40], KEY).toString("base64")}`;
		expectTypedError(() => decodeGramjsString(negPort), "CORRUPT_DATA");
		const shortKey = `1${bytes([2], be16(7), ascii("1.2.3.4"), be16(443), KEY.subarray(0, 255)).toString("base64")}`;
		expectTypedError(() => decodeGramjsString(shortKey), "CORRUPT_DATA");
		const badAddr = `1${bytes([2], be16(7), ascii("1.2 3.4"), be16(443), KEY).toString("base64")}`;
		expectTypedError(() => decodeGramjsString(badAddr), "CORRUPT_DATA");
	});
});

describe("Pyrogram session strings", () => {
	it("current layout: 362 characters, api_id/user_id/is_bot/test mode in extra, address from Pyrogram's table", () => {
		expect(pyroCurrent).toHaveLength(362);
		const { session, extra } = decodePyrogramString(pyroCurrent);
		expect(extra).toEqual({
			layout: "current",
			apiId: 12345,
			userId: 5_000_000_000n,
			isBot: false,
			testMode: false,
		});
		expect(session.homeDcId).toBe(2);
		expect(session.dcs[0]?.addr).toBe("149.154.167.51:443");
		expect(session.dcs[0]?.authKey?.equals(KEY)).toBe(true);
		expect(encodePyrogramString(session, { userId: 5_000_000_000n, apiId: 12345 })).toBe(
			pyroCurrent,
		);
	});

	it("old 32-bit user id layout: 351 characters", () => {
		expect(pyroOld32).toHaveLength(351);
		const { session, extra } = decodePyrogramString(pyroOld32);
		expect(extra).toEqual({
			layout: "old-32",
			apiId: null,
			userId: 777000n,
			isBot: true,
			testMode: true,
		});
		expect(session.dcs[0]?.addr).toBe("149.154.175.117:80"); // test DC 3, port 80
		expect(
			encodePyrogramString(session, {
				userId: 777000n,
				isBot: true,
				testMode: true,
				layout: "old-32",
			}),
		).toBe(pyroOld32);
	});

	it("old 64-bit user id layout: 356 characters", () => {
		expect(pyroOld64).toHaveLength(356);
		const { session, extra } = decodePyrogramString(pyroOld64);
		expect(extra).toEqual({
			layout: "old-64",
			apiId: null,
			userId: 6_100_000_000n,
			isBot: false,
			testMode: false,
		});
		expect(session.dcs[0]?.addr).toBe("91.108.56.130:443");
		expect(encodePyrogramString(session, { userId: 6_100_000_000n, layout: "old-64" })).toBe(
			pyroOld64,
		);
	});

	it("rejects bad bools, unknown DCs, wrong lengths and missing user ids", () => {
		const badBool = bytes([2], be32(1), [7], KEY, be64(1n), [0]).toString("base64url");
		expectTypedError(() => decodePyrogramString(badBool), "CORRUPT_DATA");
		const unknownDc = bytes([9], be32(1), [0], KEY, be64(1n), [0]).toString("base64url");
		expectTypedError(() => decodePyrogramString(unknownDc), "CORRUPT_DATA");
		expectTypedError(() => decodePyrogramString(pyroCurrent.slice(0, 340)), "CORRUPT_DATA");
		const s = decodePyrogramString(pyroCurrent).session;
		expectTypedError(() => encodePyrogramString(s, { userId: 0n }), "INVALID_ARGUMENT");
		expectTypedError(
			() => encodePyrogramString(s, { userId: 1n << 32n, layout: "old-32" }),
			"INVALID_ARGUMENT",
		);
	});
});

describe("mtcute v3 string session", () => {
	it("main + media + self with a 256-byte key: 434 characters starting AwUAAA", () => {
		expect(mtcuteFull).toHaveLength(434);
		expect(mtcuteFull.startsWith("AwUAAA")).toBe(true);
		const { session, extra } = decodeMtcuteString(mtcuteFull);
		expect(extra).toEqual({
			testMode: false,
			self: { userId: 12345n, isBot: false },
			mediaOnlyFlag: true,
		});
		expect(session.homeDcId).toBe(2);
		expect(session.dcs.map((d) => [d.addr, d.flags, d.authKey !== null])).toEqual([
			["149.154.167.50:443", 0, true],
			["149.154.167.222:443", DcFlags.MEDIA_ONLY, true],
		]);
		expect(encodeMtcuteString(session, { self: { userId: 12345n, isBot: false } })).toBe(
			mtcuteFull,
		);
	});

	it("IPv6 test-mode DC without media or self", () => {
		const { session, extra } = decodeMtcuteString(mtcuteV6Test);
		expect(extra).toEqual({ testMode: true, self: null, mediaOnlyFlag: null });
		expect(session.dcs).toHaveLength(1);
		expect(session.dcs[0]?.addr).toBe("[2001:67c:4e8:f002::e]:443");
		expect(session.dcs[0]?.flags).toBe(DcFlags.IPV6);
		expect(encodeMtcuteString(session, { testMode: true })).toBe(mtcuteV6Test);
	});

	it("a media DC option without the media-only bit (as mtcute writes for a DC with no media endpoint) re-encodes exactly", () => {
		const text = bytes(
			[3],
			le32(4),
			tlBytes(basicDc(5, 0, "91.108.56.130", 443)),
			tlBytes(basicDc(5, 0, "91.108.56.130", 443)),
			tlBytes(KEY),
		).toString("base64url");
		const { session, extra } = decodeMtcuteString(text);
		expect(extra).toEqual({ testMode: false, self: null, mediaOnlyFlag: false });
		expect(session.dcs.map((d) => [d.addr, d.flags])).toEqual([
			["91.108.56.130:443", 0],
			["91.108.56.130:443", DcFlags.MEDIA_ONLY],
		]);
		expect(encodeMtcuteString(session, extra)).toBe(text);
		// without the option the media option gets the bit, as our model marks the entry
		const flagged = Buffer.from(encodeMtcuteString(session), "base64url");
		expect(flagged.length).toBe(Buffer.from(text, "base64url").length);
		expect(flagged.equals(Buffer.from(text, "base64url"))).toBe(false);
	});

	it("rejects other versions, unknown flags, bad bools, short keys and trailing bytes", () => {
		expectTypedError(
			() => decodeMtcuteString(bytes([2], le32(0)).toString("base64url")),
			"UNSUPPORTED_VERSION",
		);
		expectTypedError(
			() =>
				decodeMtcuteString(
					bytes([3], le32(8), tlBytes(basicDc(2, 0, "1.2.3.4", 443)), tlBytes(KEY)).toString(
						"base64url",
					),
				),
			"CORRUPT_DATA",
		);
		expectTypedError(
			() =>
				decodeMtcuteString(
					bytes(
						[3],
						le32(1),
						tlBytes(basicDc(2, 0, "1.2.3.4", 443)),
						le64(1n),
						le32(5),
						tlBytes(KEY),
					).toString("base64url"),
				),
			"CORRUPT_DATA",
		);
		expectTypedError(
			() =>
				decodeMtcuteString(
					bytes(
						[3],
						le32(0),
						tlBytes(basicDc(2, 0, "1.2.3.4", 443)),
						tlBytes(new Uint8Array(32)),
					).toString("base64url"),
				),
			"CORRUPT_DATA",
		);
		expectTypedError(
			() =>
				decodeMtcuteString(
					bytes(
						[3],
						le32(0),
						tlBytes(basicDc(2, 0, "1.2.3.4", 443)),
						tlBytes(KEY),
						[0, 0, 0, 0],
					).toString("base64url"),
				),
			"CORRUPT_DATA",
		);
		expectTypedError(
			() =>
				decodeMtcuteString(
					bytes([3], le32(0), tlBytes(basicDc(2, 1, "1.2.3.4", 443)), tlBytes(KEY)).toString(
						"base64url",
					),
				),
			"CORRUPT_DATA",
		);
	});
});
