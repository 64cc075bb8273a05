// Every input the binary decoder accepts must encode again: a session that loads but can never
// be written (an address past 255 bytes once its invalid UTF-8 is repaired, an extension key of
// 0 or 256+ bytes) strands the account on its next save. Decode refuses those, typed; anything
// else that decodes re-encodes, and what it re-encodes to decodes again.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	CorruptSessionError,
	crc32,
	decodeSession,
	encodeSession,
	type PersistedSession,
	SessionBackendError,
} from "../src/index.js";
import { emptySession } from "../src/session.js";
import { sessionArb, sessionWithMetaArb } from "./arbitraries.js";

const LONG = 120_000;
let accepted = 0;
let refused = 0;

/** Decodes `bytes`; when it decodes, it must encode, and the encoding must decode again. */
function reencodes(bytes: Uint8Array): void {
	let session: PersistedSession;
	try {
		session = decodeSession(bytes);
	} catch (error) {
		if (!(error instanceof SessionBackendError))
			throw new Error(`untyped decode error: ${String(error)}`, { cause: error });
		refused++;
		return;
	}
	accepted++;
	const again = encodeSession(session); // throws (the failure) when it cannot be written back
	decodeSession(again);
}

/** A v8 body with one DC (no key) whose address bytes are exactly `addr`. */
function withAddress(addr: Uint8Array): Uint8Array {
	const base = encodeSession({
		...emptySession(),
		dcs: [
			{
				dcId: 2,
				addr: "a".repeat(addr.length),
				authKey: null,
				firstSalt: 0n,
				timeOffset: 0,
				flags: 0,
			},
		],
	});
	// version 1 | home 4 | count 1 | dc_id 4 | has_key 1 | salt 8 | offset 4 | addr_len 1 | addr
	expect(base[23]).toBe(addr.length);
	base.set(addr, 24);
	return base;
}

/** `body` followed by a valid trailer (right length and CRC) of extension entries `[key, value]`. */
function withTrailer(body: Uint8Array, entries: [Uint8Array, Uint8Array][]): Uint8Array {
	const payload: number[] = [];
	const u32 = (n: number) => payload.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
	for (const [key, value] of entries) {
		payload.push(1);
		u32(2 + key.length + value.length);
		payload.push(key.length & 0xff, key.length >>> 8, ...key, ...value);
	}
	const p = Uint8Array.from(payload);
	const header = new Uint8Array(13);
	header.set([0x58, 0x53, 0x58, 0x54, 1]);
	const view = new DataView(header.buffer);
	view.setUint32(5, p.length, true);
	view.setUint32(9, crc32(p), true);
	const out = new Uint8Array(body.length + 13 + p.length);
	out.set(body);
	out.set(header, body.length);
	out.set(p, body.length + 13);
	return out;
}

/** Bytes that are mostly not UTF-8: continuation bytes, lone leads, overlongs, surrogates. */
const invalidUtf8 = (min: number, max: number) =>
	fc
		.array(
			fc.oneof(
				fc.integer({ min: 0x80, max: 0xff }),
				fc.constantFrom(0xc0, 0xc1, 0xed, 0xf5, 0xff, 0xe2),
				fc.integer({ min: 0, max: 0x7f }),
			),
			{ minLength: min, maxLength: max, size: "max" }, // lengths across the whole range
		)
		.map((a) => Uint8Array.from(a));

/** Byte edits of a valid encoding: flips, overwrites, cuts, insertions. */
const mutated = (seed: fc.Arbitrary<PersistedSession>) =>
	fc
		.tuple(
			seed.map((s) => encodeSession(s)),
			fc.array(
				fc.tuple(fc.nat(), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 })),
				{ minLength: 1, maxLength: 4 },
			),
		)
		.map(([bytes, edits]) => {
			let out = bytes;
			for (const [at, kind, value] of edits) {
				const i = out.length === 0 ? 0 : at % out.length;
				if (kind === 0 && out.length) out[i] = (out[i] as number) ^ (1 << (value % 8));
				else if (kind === 1 && out.length) out[i] = value;
				else if (kind === 2) out = out.slice(0, i);
				else out = Uint8Array.from([...out.subarray(0, i), value, ...out.subarray(i)]);
			}
			return out;
		});

describe("whatever decodes re-encodes", () => {
	it(
		"mutated encodings (any version byte, any field) decode to something encodeSession writes",
		() => {
			accepted = 0;
			refused = 0;
			fc.assert(fc.property(mutated(sessionArb()), reencodes), { numRuns: 4000 });
			fc.assert(fc.property(mutated(sessionWithMetaArb), reencodes), { numRuns: 2000 });
			// both outcomes exercised, not only refusals
			expect(accepted).toBeGreaterThan(500);
			expect(refused).toBeGreaterThan(500);
		},
		LONG,
	);

	it(
		"a DC address of invalid UTF-8 of any length: refused, typed, once it cannot fit 255 bytes",
		() => {
			fc.assert(
				fc.property(invalidUtf8(0, 255), (addr) => {
					const bytes = withAddress(addr);
					reencodes(bytes);
					const repaired = new TextEncoder().encode(
						new TextDecoder("utf-8", { ignoreBOM: true }).decode(addr),
					).length;
					if (repaired > 255) expect(() => decodeSession(bytes)).toThrow(CorruptSessionError);
					else expect(decodeSession(bytes).dcs[0]?.addr.length).toBeGreaterThanOrEqual(0);
				}),
				{ numRuns: 3000 },
			);
		},
		LONG,
	);

	it("255 invalid bytes (765 once repaired) are a CorruptSessionError naming the DC", () => {
		const bytes = withAddress(new Uint8Array(255).fill(0xff));
		expect(() => decodeSession(bytes)).toThrow(CorruptSessionError);
		expect(() => decodeSession(bytes)).toThrow(/address of DC 2 .*765 bytes/);
		// 85 invalid bytes (255 once repaired) still load and write back as U+FFFD
		const fits = decodeSession(withAddress(new Uint8Array(85).fill(0xff)));
		expect(fits.dcs[0]?.addr).toBe("\ufffd".repeat(85));
		expect(() => encodeSession(fits)).not.toThrow();
	});

	it(
		"extension keys of 0 to 300 bytes in a well-formed trailer: refused, typed, unless 1 to 255",
		() => {
			const body = encodeSession(emptySession());
			fc.assert(
				fc.property(
					fc.array(
						fc.tuple(
							fc.oneof(
								fc.uint8Array({ minLength: 0, maxLength: 300, size: "max" }),
								fc.stringMatching(/^[a-z:.]{0,300}$/).map((k) => new TextEncoder().encode(k)),
								fc.constantFrom(0, 1, 255, 256, 257).map((n) => new Uint8Array(n).fill(0x6b)),
							),
							fc.uint8Array({ maxLength: 20 }),
						),
						{ minLength: 1, maxLength: 4 },
					),
					(entries) => {
						const bytes = withTrailer(body, entries);
						reencodes(bytes);
						if (entries.some(([k]) => k.length === 0 || k.length > 255))
							expect(() => decodeSession(bytes)).toThrow(CorruptSessionError);
					},
				),
				{ numRuns: 3000 },
			);
		},
		LONG,
	);

	it("an empty or a 256-byte extension key is a CorruptSessionError; 1 and 255 bytes load", () => {
		const body = encodeSession(emptySession());
		const key = (n: number) => new Uint8Array(n).fill(0x6b);
		for (const n of [0, 256, 65_535])
			expect(() => decodeSession(withTrailer(body, [[key(n), new Uint8Array(1)]]))).toThrow(
				/extension key is \d+ bytes/,
			);
		for (const n of [1, 255]) {
			const s = decodeSession(withTrailer(body, [[key(n), new Uint8Array(1)]]));
			expect(() => encodeSession(s)).not.toThrow();
		}
	});
});
