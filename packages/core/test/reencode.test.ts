// Every input the binary decoder accepts must encode again and save on every backend: a session
// that loads but can never be written (an address past 255 bytes once its invalid UTF-8 is
// repaired, an extension key of 0 or 256+ bytes, peer metadata save() refuses) strands the
// account on its next save. Decode refuses those, typed; anything else that decodes re-encodes,
// what it re-encodes to decodes again, and save() on the memory backend (prepareSession, which
// every backend's save() runs) takes it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32 } from "../src/codec/trailer.js";
import {
	CorruptSessionError,
	decodeSession,
	encodeSession,
	type PersistedSession,
	SecretBytes,
	SessionBackendError,
} from "../src/index.js";
import { emptySession } from "../src/session.js";
import { MAX_EXTENSION_VALUE_BYTES, prepareSession } from "../src/toolkit.js";
import { sessionArb, sessionWithMetaArb } from "./arbitraries.js";
import { MemoryStore } from "./memory-store.js";

const LONG = 120_000;
let accepted = 0;
let refused = 0;

/**
 * Decodes `bytes`; when it decodes, it must encode, the encoding must decode again, and
 * `prepareSession` must take it. Returns the session (for {@link saves}), or `null` if refused.
 */
function reencodes(bytes: Uint8Array): PersistedSession | null {
	let session: PersistedSession;
	try {
		session = decodeSession(bytes);
	} catch (error) {
		if (!(error instanceof SessionBackendError))
			throw new Error(`untyped decode error: ${String(error)}`, { cause: error });
		refused++;
		return null;
	}
	accepted++;
	const again = encodeSession(session); // throws (the failure) when it cannot be written back
	decodeSession(again);
	prepareSession(session, "memory"); // what every backend's save() runs first
	return session;
}

/** What decodes saves on the memory backend, and what it stored encodes again. */
async function saves(bytes: Uint8Array): Promise<void> {
	const session = reencodes(bytes);
	if (!session) return;
	const backend = await new MemoryStore().open();
	await backend.save(session);
	encodeSession((await backend.load()) as PersistedSession);
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
		"mutated encodings (any version byte, any field) decode to something encodeSession writes and save() takes",
		async () => {
			accepted = 0;
			refused = 0;
			await fc.assert(fc.asyncProperty(mutated(sessionArb()), saves), { numRuns: 4000 });
			await fc.assert(fc.asyncProperty(mutated(sessionWithMetaArb), saves), { numRuns: 2000 });
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

const utf8 = (text: string) => new TextEncoder().encode(text);
/** A v8 body caching user 7 (no metadata), for a trailer to describe. */
const cachedUser = () =>
	encodeSession({
		...emptySession(),
		peers: [{ kind: "user", id: 7n, accessHash: 1n, channelKind: null }],
	});

/** Raw fields of one peer-metadata entry, written as the trailer lays them out. */
interface RawMeta {
	usernames?: Uint8Array[];
	phone?: Uint8Array;
	name?: Uint8Array;
	data?: Uint8Array;
}

/** `body` (caching user 7) and a valid trailer holding user 7's metadata, byte for byte. */
function withPeerMeta(body: Uint8Array, meta: RawMeta): Uint8Array {
	const names = meta.usernames ?? [];
	const size =
		1 +
		8 +
		1 +
		8 +
		1 +
		names.reduce((n, u) => n + 1 + u.length, 0) +
		(meta.phone ? 1 + meta.phone.length : 0) +
		(meta.name ? 2 + meta.name.length : 0) +
		(meta.data?.length ?? 0);
	const p = new Uint8Array(5 + size);
	const view = new DataView(p.buffer);
	p[0] = 2; // entry type: peer metadata
	view.setUint32(1, size, true);
	let o = 5;
	p[o++] = 0; // user
	view.setBigInt64(o, 7n, true);
	o += 8;
	p[o++] = (meta.phone ? 2 : 0) | (meta.name ? 4 : 0) | (meta.data ? 8 : 0);
	view.setBigInt64(o, 1n, true); // updatedAt
	o += 8;
	p[o++] = names.length;
	for (const u of [...names, ...(meta.phone ? [meta.phone] : [])]) {
		p[o++] = u.length;
		p.set(u, o);
		o += u.length;
	}
	if (meta.name) {
		view.setUint16(o, meta.name.length, true);
		p.set(meta.name, o + 2);
		o += 2 + meta.name.length;
	}
	if (meta.data) p.set(meta.data, o);
	return sealed(body, p);
}

/** `body` and a trailer of one extension entry (built without spreading a large value). */
function withBigExtension(body: Uint8Array, key: string, value: Uint8Array): Uint8Array {
	const k = utf8(key);
	const p = new Uint8Array(5 + 2 + k.length + value.length);
	const view = new DataView(p.buffer);
	p[0] = 1; // entry type: extension value
	view.setUint32(1, 2 + k.length + value.length, true);
	view.setUint16(5, k.length, true);
	p.set(k, 7);
	p.set(value, 7 + k.length);
	return sealed(body, p);
}

/** `body` followed by a trailer header (right length and CRC) and payload `p`. */
function sealed(body: Uint8Array, p: Uint8Array): Uint8Array {
	const out = new Uint8Array(body.length + 13 + p.length);
	out.set(body);
	out.set([0x58, 0x53, 0x58, 0x54, 1], body.length);
	const header = new DataView(out.buffer, body.length);
	header.setUint32(5, p.length, true);
	header.setUint32(9, crc32(p), true);
	out.set(p, body.length + 13);
	return out;
}

/** Text that is sometimes a username, sometimes not: case, "@", spaces, controls, "İ". */
const identifierText = fc
	.array(
		fc.oneof(
			{ weight: 6, arbitrary: fc.constantFrom(..."abcXYZ019_") },
			{ weight: 1, arbitrary: fc.constantFrom(" ", "@", "\t", "\u0000", "\u007f", "-", "+") },
			{
				weight: 1,
				arbitrary: fc.constantFrom("\u0130", "\u00e9", "\u00a0", "\u2028", "\u{1f600}"),
			},
		),
		{ maxLength: 140 },
	)
	.map((a) => a.join(""))
	.filter((t) => utf8(t).length <= 255);

describe("whatever decodes saves", () => {
	it(
		"peer metadata of any usernames and phone: it loads and saves on the memory backend, or decode refuses it, typed",
		async () => {
			const body = cachedUser();
			let loaded = 0;
			let corrupt = 0;
			await fc.assert(
				fc.asyncProperty(
					fc.array(identifierText, { maxLength: 4 }),
					fc.option(fc.oneof(identifierText, fc.stringMatching(/^[0-9 ()+-]{0,80}$/)), {
						nil: undefined,
					}),
					async (usernames, phone) => {
						const bytes = withPeerMeta(body, {
							usernames: usernames.map(utf8),
							...(phone === undefined ? {} : { phone: utf8(phone) }),
						});
						let session: PersistedSession;
						try {
							session = decodeSession(bytes);
						} catch (error) {
							expect(error).toBeInstanceOf(CorruptSessionError);
							expect(String(error)).toMatch(/peer metadata of user 7: .*never save again/);
							corrupt++;
							return;
						}
						loaded++;
						const backend = await new MemoryStore().open();
						await backend.save(session);
						const stored = (await backend.load()) as PersistedSession;
						// what save() folds (case, "@", separators) is the only difference
						expect(stored.peers[0]?.meta?.updatedAt).toBe(1);
						decodeSession(encodeSession(stored));
						decodeSession(encodeSession(session));
					},
				),
				{ numRuns: 3000 },
			);
			expect(loaded).toBeGreaterThan(300);
			expect(corrupt).toBeGreaterThan(300);
		},
		LONG,
	);

	it("a username save() refuses is a CorruptSessionError at decode, and encodeSession never writes one", () => {
		const body = cachedUser();
		const refusedNames = [
			["a b", /whitespace or control/],
			["a\u0000b", /whitespace or control/],
			["a\u00a0b", /whitespace or control/],
			// 127 × "İ" is 254 bytes; folded to "i̇" it is 381, which the trailer cannot hold
			["\u0130".repeat(127), /longer than 255 bytes/],
		] as const;
		for (const [name, reason] of refusedNames) {
			const bytes = withPeerMeta(body, { usernames: [utf8(name)] });
			expect(() => decodeSession(bytes)).toThrow(CorruptSessionError);
			expect(() => decodeSession(bytes)).toThrow(reason);
			const session: PersistedSession = {
				...emptySession(),
				peers: [
					{
						kind: "user",
						id: 7n,
						accessHash: 1n,
						channelKind: null,
						meta: {
							usernames: [name],
							phone: null,
							name: null,
							updatedAt: 1,
							isMin: false,
							data: null,
						},
					},
				],
			};
			expect(() => prepareSession(session, "memory")).toThrow(reason);
			expect(() => encodeSession(session)).toThrow(reason);
		}
		// what save() folds still loads as written
		const folded = decodeSession(
			withPeerMeta(body, { usernames: [utf8("@Durov "), utf8("DUROV")], phone: utf8("+1 555") }),
		);
		expect(folded.peers[0]?.meta).toMatchObject({
			usernames: ["@Durov ", "DUROV"],
			phone: "+1 555",
		});
		expect(prepareSession(folded, "memory").peers[0]?.meta).toMatchObject({
			usernames: ["durov"],
			phone: "1555",
		});
	});

	it("a phone of more than 32 digits is a CorruptSessionError at decode; 32 digits load and save", async () => {
		const body = cachedUser();
		expect(() => decodeSession(withPeerMeta(body, { phone: utf8("1".repeat(33)) }))).toThrow(
			/phone has more than 32 digits/,
		);
		expect(() =>
			decodeSession(withPeerMeta(body, { phone: utf8(`+${"123 ".repeat(11)}`) })),
		).toThrow(CorruptSessionError);
		const ok = decodeSession(withPeerMeta(body, { phone: utf8(`+${"1".repeat(32)}`) }));
		await (await new MemoryStore().open()).save(ok);
	});

	it(
		"peer data or an extension value over 16 MiB is a CorruptSessionError at decode, and encodeSession never writes one; 16 MiB loads and saves",
		async () => {
			const body = cachedUser();
			const max = MAX_EXTENSION_VALUE_BYTES;
			expect(() => decodeSession(withPeerMeta(body, { data: new Uint8Array(max + 1) }))).toThrow(
				/data is larger than 16777216 bytes.*never save again/,
			);
			expect(() => decodeSession(withBigExtension(body, "k", new Uint8Array(max + 1)))).toThrow(
				/extension value k is 16777217 bytes/,
			);
			const atMax = decodeSession(withPeerMeta(body, { data: new Uint8Array(max) }));
			const backend = await new MemoryStore().open();
			await backend.save(atMax);
			const big = { ...atMax, peers: atMax.peers.map((p) => ({ ...p })) };
			const meta = big.peers[0]?.meta;
			if (!meta) throw new Error("no metadata decoded");
			big.peers[0] = {
				...(big.peers[0] as (typeof big.peers)[0]),
				meta: { ...meta, data: new Uint8Array(max + 1) },
			};
			expect(() => encodeSession(big)).toThrow(/data is larger than/);
			const ext = decodeSession(withBigExtension(body, "k", new Uint8Array(max)));
			await backend.save(ext);
			const over = {
				...emptySession(),
				extensions: new Map([["k", new SecretBytes(new Uint8Array(max + 1))]]),
			};
			expect(() => encodeSession(over)).toThrow(/extension value is larger than/);
		},
		LONG,
	);

	it("a name over 65535 UTF-8 bytes is refused by save() on every backend, as the encoder refuses it", async () => {
		// 32768 × "é" is 65536 bytes in 32768 UTF-16 units: memory, SQL and Redis used to keep it
		for (const name of ["\u00e9".repeat(32_768), "n".repeat(65_536)]) {
			const session: PersistedSession = {
				...emptySession(),
				peers: [
					{
						kind: "user",
						id: 7n,
						accessHash: 1n,
						channelKind: null,
						meta: { usernames: [], phone: null, name, updatedAt: 1, isMin: false, data: null },
					},
				],
			};
			expect(() => encodeSession(session)).toThrow(SessionBackendError);
			await expect((await new MemoryStore().open()).save(session)).rejects.toThrow(
				/name is longer than 65535 bytes/,
			);
			await expect((await new MemoryStore().open()).cachePeers(session.peers)).rejects.toThrow(
				/name is longer than 65535 bytes/,
			);
		}
	});
});
