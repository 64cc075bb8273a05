// Property tests: round trips are exact, and hostile input only ever yields typed errors.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteWriter, utf8Length } from "../src/codec/bytes.js";
import { peerMetaProblem } from "../src/extensions.js";
import {
	type CachedPeer,
	decodeCompactString,
	decodeNativeString,
	decodeSession,
	decodeSessionDetailed,
	decodeSessionString,
	encodeCompactString,
	encodedSize,
	encodeNativeString,
	encodeSession,
	type PeerMeta,
	SessionBackendError,
	sessionFromJson,
	sessionsEqual,
	sessionToJson,
} from "../src/index.js";
import { emptySession } from "../src/session.js";
import { formatIpv6, parseIpv6 } from "../src/toolkit.js";
import { compactArb, sessionArb, sessionWithMetaArb } from "./arbitraries.js";
import { b64url, plain, toHex } from "./helpers.js";

const LONG = 120_000;

/** Runs `fn`; anything thrown must be a SessionBackendError. */
function typedOrOk(fn: () => unknown): void {
	try {
		fn();
	} catch (error) {
		if (!(error instanceof SessionBackendError)) {
			throw new Error(`untyped error: ${String(error)}`, { cause: error });
		}
	}
}

describe("round trips are exact (ordered)", () => {
	it(
		"decode(encode(s)) equals s, and encodedSize is the real size",
		() => {
			fc.assert(
				fc.property(sessionArb(), (s) => {
					const bytes = encodeSession(s);
					expect(bytes.length).toBe(encodedSize(s));
					const back = decodeSessionDetailed(bytes);
					expect(back.version).toBe(8);
					expect(back.consumed).toBe(bytes.length);
					expect(plain(back.session)).toEqual(plain(s));
					expect(sessionsEqual(back.session, s, { ordered: true })).toBe(true);
					expect(toHex(encodeSession(back.session))).toBe(toHex(bytes));
				}),
				{ numRuns: 1000 },
			);
		},
		LONG,
	);

	it(
		"with client metadata: decode(encode(s)) equals s, re-encodes byte for byte, and the v8 body is unchanged",
		() => {
			fc.assert(
				fc.property(sessionWithMetaArb, (s) => {
					const bytes = encodeSession(s);
					const back = decodeSessionDetailed(bytes, { strict: true });
					expect(back.consumed).toBe(bytes.length);
					expect(sessionsEqual(back.session, s, { ordered: true })).toBe(true);
					expect(toHex(encodeSession(back.session))).toBe(toHex(bytes));
					const body = encodeSession({
						...s,
						extensions: new Map(),
						peers: s.peers.map(({ meta: _, ...p }) => p),
					});
					expect(toHex(bytes.subarray(0, body.length))).toBe(toHex(body));
				}),
				{ numRuns: 500 },
			);
		},
		LONG,
	);

	it(
		"strict decoding accepts everything the encoder writes",
		() => {
			fc.assert(
				fc.property(sessionArb(), (s) => {
					expect(plain(decodeSession(encodeSession(s), { strict: true }))).toEqual(plain(s));
				}),
				{ numRuns: 500 },
			);
		},
		LONG,
	);

	it(
		"trailing bytes never change what a valid encoding decodes to",
		() => {
			fc.assert(
				fc.property(sessionArb(), fc.uint8Array({ minLength: 1, maxLength: 40 }), (s, tail) => {
					const bytes = encodeSession(s);
					const longer = new Uint8Array(bytes.length + tail.length);
					longer.set(bytes);
					longer.set(tail, bytes.length);
					const d = decodeSessionDetailed(longer);
					expect(d.consumed).toBe(bytes.length);
					expect(plain(d.session)).toEqual(plain(s));
				}),
				{ numRuns: 500 },
			);
		},
		LONG,
	);

	it(
		"through native strings",
		() => {
			fc.assert(
				fc.property(sessionArb(), (s) => {
					const text = encodeNativeString(s);
					expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
					expect(text[0]).toBe("C");
					expect(plain(decodeNativeString(text))).toEqual(plain(s));
					// v8 strings start with 0x08, which compact rejects as a version: never misdetected
					const d = decodeSessionString(text);
					expect(d.format).toBe("native");
					expect(d.session && plain(d.session)).toEqual(plain(s));
				}),
				{ numRuns: 500 },
			);
		},
		LONG,
	);

	it(
		"through JSON with secrets (object and text)",
		() => {
			fc.assert(
				fc.property(sessionArb(), (s) => {
					const j = sessionToJson(s, { includeSecrets: true });
					expect(plain(sessionFromJson(j))).toEqual(plain(s));
					expect(plain(sessionFromJson(JSON.stringify(j)))).toEqual(plain(s));
				}),
				{ numRuns: 500 },
			);
		},
		LONG,
	);

	it(
		"compact strings keep every field",
		() => {
			fc.assert(
				fc.property(compactArb, (c) => {
					const text = encodeCompactString(c);
					expect(text).toHaveLength(
						{ "1,4": 386, "1,6": 402, "2,4": 364, "2,6": 380 }[
							`${c.version},${c.ip.includes(":") ? 6 : 4}`
						] as number,
					);
					const back = decodeCompactString(text);
					expect({ ...back, authKey: toHex(back.authKey.expose()) }).toEqual({
						...c,
						authKey: toHex(c.authKey.expose()),
					});
					const detected = decodeSessionString(text);
					expect(detected.format).toBe("compact");
				}),
				{ numRuns: 1000 },
			);
		},
		LONG,
	);

	it("IPv6 text: parse(format(bytes)) = bytes", () => {
		fc.assert(
			fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
				expect(toHex(parseIpv6(formatIpv6(b)) as Uint8Array)).toBe(toHex(b));
			}),
			{ numRuns: 2000 },
		);
	});
});

describe("hostile input only ever yields a session or a SessionBackendError", () => {
	const versioned = fc
		.tuple(fc.integer({ min: 0, max: 12 }), fc.uint8Array({ maxLength: 600 }))
		.map(([v, rest]) => Uint8Array.of(v, ...rest));
	const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 600 }), versioned);

	it(
		"arbitrary bytes → decode (lenient and strict), and whatever decodes re-encodes or overflows typed",
		() => {
			fc.assert(
				fc.property(anyBytes, fc.boolean(), (bytes, strict) => {
					typedOrOk(() => {
						const s = decodeSession(bytes, { strict });
						typedOrOk(() => encodeSession(s));
					});
				}),
				{ numRuns: 5000 },
			);
		},
		LONG,
	);

	it(
		"one mutated byte of a valid encoding never throws an untyped error",
		() => {
			fc.assert(
				fc.property(
					sessionArb({ dcs: 3, peers: 8, minPeers: 3, channels: 3, token: 20 }),
					fc.nat(),
					fc.integer({ min: 0, max: 255 }),
					fc.boolean(),
					(s, at, value, strict) => {
						const bytes = encodeSession(s);
						bytes[at % bytes.length] = value;
						typedOrOk(() => decodeSession(bytes, { strict }));
					},
				),
				{ numRuns: 3000 },
			);
		},
		LONG,
	);

	it(
		"a valid encoding truncated anywhere is always CORRUPT_DATA",
		() => {
			fc.assert(
				fc.property(
					sessionArb({ dcs: 3, peers: 8, minPeers: 3, channels: 3, token: 20 }),
					fc.nat(),
					(s, cut) => {
						const bytes = encodeSession(s);
						const len = cut % bytes.length;
						try {
							decodeSession(bytes.subarray(0, len));
						} catch (e) {
							expect((e as SessionBackendError).code).toBe("CORRUPT_DATA");
							return;
						}
						// a prefix may only decode when it is itself a complete v1 file (FORMAT.md §8.1), never silently for v8
						throw new Error(`prefix of length ${len} decoded`);
					},
				),
				{ numRuns: 2000 },
			);
		},
		LONG,
	);

	const b64chars = fc.constantFrom(
		..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= \n".split(""),
	);
	const strings = fc.oneof(
		fc.string({ maxLength: 500 }),
		fc.string({ unit: "binary", maxLength: 200 }),
		fc.string({ unit: b64chars, maxLength: 600 }),
		fc.uint8Array({ maxLength: 450 }).map((b) => b64url(b)),
		fc
			.tuple(fc.constantFrom(1, 2, 8), fc.uint8Array({ maxLength: 450 }))
			.map(([v, b]) => b64url(Uint8Array.of(v, ...b))),
	);

	it(
		"arbitrary strings → every string decoder",
		() => {
			fc.assert(
				fc.property(strings, fc.boolean(), (text, lenient) => {
					typedOrOk(() => decodeSessionString(text, { lenient }));
					typedOrOk(() => decodeNativeString(text, { lenient, strict: !lenient }));
					typedOrOk(() => decodeCompactString(text, { lenient }));
					typedOrOk(() => sessionFromJson(text));
				}),
				{ numRuns: 5000 },
			);
		},
		LONG,
	);

	it(
		"arbitrary JSON values → sessionFromJson",
		() => {
			fc.assert(
				fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => typedOrOk(() => sessionFromJson(v))),
				{ numRuns: 3000 },
			);
		},
		LONG,
	);

	it(
		"JSON exports with one field replaced by an arbitrary value → typed errors only",
		() => {
			fc.assert(
				fc.property(
					sessionArb({ dcs: 2, peers: 3, minPeers: 2, channels: 2, token: 8 }),
					fc.nat(),
					fc.jsonValue({ maxDepth: 2 }),
					(s, pick, value) => {
						const j = JSON.parse(JSON.stringify(sessionToJson(s, { includeSecrets: true })));
						const paths: [Record<string, unknown>, string][] = [];
						const walk = (o: unknown) => {
							if (o && typeof o === "object") {
								for (const k of Object.keys(o)) {
									paths.push([o as Record<string, unknown>, k]);
									walk((o as Record<string, unknown>)[k]);
								}
							}
						};
						walk(j);
						const [obj, key] = paths[pick % paths.length] as [Record<string, unknown>, string];
						obj[key] = value;
						typedOrOk(() => sessionFromJson(j));
					},
				),
				{ numRuns: 2000 },
			);
		},
		LONG,
	);
});

describe("UTF-8 in the trailer", () => {
	// any UTF-16 text: ASCII, two-, three- and four-byte characters, lone surrogates (TextEncoder
	// writes those as U+FFFD)
	const text = fc
		.array(
			fc.oneof(
				fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
				fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
				fc.constantFrom("é", "€", "😀", "\ud800", "\udfff"),
			),
			{ maxLength: 40 },
		)
		.map((units) => units.join(""));

	it("is written as TextEncoder writes it, and its length is counted the same", () => {
		const encoder = new TextEncoder();
		fc.assert(
			fc.property(text, (s) => {
				const expected = encoder.encode(s);
				expect(utf8Length(s)).toBe(expected.length);
				const w = new ByteWriter(expected.length + 2, true);
				w.u8(0xaa);
				expect(w.utf8(s)).toBe(expected.length);
				w.u8(0xbb);
				expect(Array.from(w.bytes)).toEqual([0xaa, ...expected, 0xbb]);
			}),
			{ numRuns: 2000 },
		);
	});

	// a username save() refuses (whitespace, controls, too long once folded) the encoder refuses
	// too, typed, so decode never meets one; every other text round-trips
	it("peer names and usernames of any text round-trip (lone surrogates as U+FFFD), or encodeSession refuses what save() would", () => {
		const decoder = new TextDecoder();
		const encoder = new TextEncoder();
		const wellFormed = (s: string) => decoder.decode(encoder.encode(s));
		fc.assert(
			fc.property(fc.array(fc.tuple(text, text), { maxLength: 8 }), (pairs) => {
				const session = emptySession();
				pairs.forEach(([name, username], i) => {
					if (encoder.encode(username).length > 255) return;
					const peer: CachedPeer = {
						kind: "user",
						id: BigInt(i + 1),
						accessHash: 0n,
						channelKind: null,
						meta: {
							usernames: [username],
							phone: null,
							name,
							updatedAt: i,
							isMin: false,
							data: null,
						},
					};
					if (peerMetaProblem(peer.meta as PeerMeta) === null) session.peers.push(peer);
					else
						expect(() => encodeSession({ ...emptySession(), peers: [peer] })).toThrow(
							/peer metadata of user/,
						);
				});
				const back = decodeSession(encodeSession(session));
				back.peers.forEach((p, i) => {
					const meta = session.peers[i]?.meta;
					expect(p.meta?.name).toBe(wellFormed(meta?.name ?? ""));
					expect(p.meta?.usernames).toEqual(meta?.usernames.map(wellFormed));
				});
			}),
			{ numRuns: 300 },
		);
	});
});
