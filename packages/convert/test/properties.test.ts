import { DcFlags, isSessionError, type PersistedSession, SecretBytes } from "@x/session-core";
import { formatIpv4, formatIpv6 } from "@x/session-core/backend";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	decodeForeignSession,
	decodeGramjsString,
	decodeMtcuteString,
	decodePyrogramString,
	decodeTelethonString,
	detectSessionFormat,
	encodeGramjsString,
	encodeMtcuteString,
	encodePyrogramString,
	encodeTelethonString,
	STRING_FORMATS,
} from "../src/index.js";

const RUNS = { numRuns: 300 };
const key = fc.uint8Array({ minLength: 256, maxLength: 256 }).filter((k) => k.some((b) => b !== 0));
const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map(formatIpv4);
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map(formatIpv6);
const hostname = fc.domain().filter((d) => d.length <= 100 && !/^[0-9.]+$/.test(d));
const dcId = fc.integer({ min: 0, max: 255 });

function session(id: number, ip: string, port: number, k: Uint8Array, flags = 0): PersistedSession {
	return {
		homeDcId: id,
		dcs: [
			{
				dcId: id,
				addr: ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`,
				authKey: new SecretBytes(k),
				firstSalt: 0n,
				timeOffset: 0,
				flags,
			},
		],
		updatesState: { pts: 0, qts: 0, date: 0, seq: 0, channels: [] },
		peers: [],
		minPeers: [],
		futureAuthToken: null,
	};
}

/** The fields a one-DC string carries: home DC, and per entry dc id, address, flags, key bytes. */
function carried(s: PersistedSession) {
	return {
		home: s.homeDcId,
		dcs: s.dcs.map((d) => ({
			dcId: d.dcId,
			addr: d.addr,
			flags: d.flags,
			key: d.authKey ? Buffer.from(d.authKey.expose()).toString("hex") : null,
		})),
	};
}

describe("encode ∘ decode is the identity on the fields each format carries", () => {
	it("Telethon (IPv4 and IPv6)", () => {
		fc.assert(
			fc.property(
				dcId,
				fc.oneof(ipv4, ipv6),
				fc.integer({ min: 0, max: 65535 }),
				key,
				(id, ip, port, k) => {
					const s = session(id, ip, port, k, ip.includes(":") ? DcFlags.IPV6 : 0);
					const text = encodeTelethonString(s);
					const back = decodeTelethonString(text);
					expect(carried(back.session)).toEqual(carried(s));
					expect(encodeTelethonString(back.session)).toBe(text);
					expect(detectSessionFormat(text).format).toBe("telethon");
				},
			),
			RUNS,
		);
	});

	it("GramJS (IPv4, IPv6 and hostnames; ports up to 32767)", () => {
		fc.assert(
			fc.property(
				dcId,
				fc.oneof(ipv4, ipv6, hostname),
				fc.integer({ min: 1, max: 32767 }),
				key,
				(id, ip, port, k) => {
					const s = session(id, ip, port, k, ip.includes(":") ? DcFlags.IPV6 : 0);
					const text = encodeGramjsString(s);
					const back = decodeGramjsString(text);
					expect(back.extra.layout).toBe("gramjs");
					expect(carried(back.session)).toEqual(carried(s));
					expect(encodeGramjsString(back.session)).toBe(text);
					expect(detectSessionFormat(text).format).toBe("gramjs");
				},
			),
			RUNS,
		);
	});

	it("Pyrogram (all three layouts, extra fields included)", () => {
		const layout = fc.constantFrom("current" as const, "old-32" as const, "old-64" as const);
		fc.assert(
			fc.property(
				layout,
				fc.boolean(),
				fc.boolean(),
				fc.integer({ min: 0, max: 0xffffffff }),
				fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }),
				key,
				(lay, testMode, isBot, apiId, uid, k) => {
					const userId =
						lay === "old-32" ? (uid % (1n << 32n)) + (uid % (1n << 32n) === 0n ? 1n : 0n) : uid;
					const id = testMode
						? Number(uid % 3n) + 1
						: ([1, 2, 3, 4, 5, 203][Number(uid % 6n)] as number);
					const ip = testMode
						? (["149.154.175.10", "149.154.167.40", "149.154.175.117"][id - 1] as string)
						: "0.0.0.0";
					const base = session(id, ip, testMode ? 80 : 443, k);
					const text = encodePyrogramString(base, {
						userId,
						isBot,
						testMode,
						layout: lay,
						...(lay === "current" ? { apiId } : {}),
					});
					const back = decodePyrogramString(text);
					expect(back.extra).toEqual({
						layout: lay,
						apiId: lay === "current" ? apiId : null,
						userId,
						isBot,
						testMode,
					});
					expect(back.session.homeDcId).toBe(id);
					expect(detectSessionFormat(text).format).toBe("pyrogram");
					expect(back.session.dcs[0]?.authKey?.equals(k)).toBe(true);
					expect(
						encodePyrogramString(back.session, {
							userId,
							isBot,
							testMode,
							layout: lay,
							...(lay === "current" ? { apiId } : {}),
						}),
					).toBe(text);
				},
			),
			RUNS,
		);
	});

	it("mtcute (main, optional media of the same DC, optional self, test mode)", () => {
		const dc = fc.record({
			ip6: fc.boolean(),
			v4: ipv4,
			v6: ipv6,
			port: fc.integer({ min: 1, max: 65535 }),
		});
		const self = fc.option(
			fc.record({
				userId: fc.bigInt({ min: -(2n ** 53n) + 1n, max: 2n ** 53n - 1n }),
				isBot: fc.boolean(),
			}),
			{ nil: null },
		);
		fc.assert(
			fc.property(
				dcId,
				dc,
				fc.option(dc, { nil: null }),
				self,
				fc.boolean(),
				fc.boolean(),
				key,
				(id, main, media, me, testMode, mediaOnlyFlag, k) => {
					const s = session(
						id,
						main.ip6 ? main.v6 : main.v4,
						main.port,
						k,
						main.ip6 ? DcFlags.IPV6 : 0,
					);
					if (media) {
						const ip = media.ip6 ? media.v6 : media.v4;
						s.dcs.push({
							dcId: id,
							addr: media.ip6 ? `[${ip}]:${media.port}` : `${ip}:${media.port}`,
							authKey: new SecretBytes(k),
							firstSalt: 0n,
							timeOffset: 0,
							flags: DcFlags.MEDIA_ONLY | (media.ip6 ? DcFlags.IPV6 : 0),
						});
					}
					const text = encodeMtcuteString(s, { self: me, testMode, mediaOnlyFlag });
					const back = decodeMtcuteString(text);
					expect(back.extra).toEqual({
						testMode,
						self: me,
						mediaOnlyFlag: media ? mediaOnlyFlag : null,
					});
					expect(carried(back.session)).toEqual(carried(s));
					expect(encodeMtcuteString(back.session, { ...back.extra })).toBe(text);
					expect(detectSessionFormat(text).format).toBe("mtcute");
				},
			),
			RUNS,
		);
	});
});

describe("hostile input only ever throws typed errors", () => {
	const onlyTyped = (run: () => unknown) => {
		try {
			run();
		} catch (error) {
			if (!isSessionError(error)) throw error;
		}
	};
	const b64 = fc
		.uint8Array({ maxLength: 450 })
		.chain((b) =>
			fc.constantFrom(
				Buffer.from(b).toString("base64"),
				Buffer.from(b).toString("base64url"),
				`1${Buffer.from(b).toString("base64")}`,
				`1${Buffer.from(b).toString("base64url")}`,
			),
		);
	it("random strings and random base64 through every decoder and the detector", () => {
		fc.assert(
			fc.property(fc.oneof(fc.string({ maxLength: 500 }), b64), (text) => {
				for (const format of STRING_FORMATS)
					onlyTyped(() => decodeForeignSession(text, { format }));
				onlyTyped(() => decodeForeignSession(text));
				const found = detectSessionFormat(text);
				if (found.format === null) expect(found.reason.length).toBeGreaterThan(0);
			}),
			{ numRuns: 500 },
		);
	});

	it("one flipped byte in a valid string is rejected or still decodes to a well-formed session", () => {
		const k = new Uint8Array(256).fill(9);
		const valid = [
			encodeTelethonString(session(2, "149.154.167.51", 443, k)),
			encodeGramjsString(session(2, "vesta.web.telegram.org", 443, k)),
			encodeMtcuteString(session(2, "149.154.167.51", 443, k), {
				self: { userId: 5n, isBot: true },
			}),
		];
		fc.assert(
			fc.property(
				fc.constantFrom(...valid),
				fc.nat(),
				fc.integer({ min: 1, max: 255 }),
				(text, at, x) => {
					const prefixed = text.startsWith("1");
					const raw = Buffer.from(prefixed ? text.slice(1) : text, "base64");
					const i = at % raw.length;
					raw[i] = (raw[i] as number) ^ x;
					const mutated = prefixed ? `1${raw.toString("base64")}` : raw.toString("base64url");
					onlyTyped(() => {
						const d = decodeForeignSession(mutated);
						for (const dc of d.session.dcs)
							expect(dc.authKey === null || dc.authKey.length === 256).toBe(true);
					});
				},
			),
			{ numRuns: 500 },
		);
	});
});
