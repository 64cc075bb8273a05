// The extension trailer: what we add to ferogram's v8 travels after the body, so a session
// without client metadata is byte-identical to ferogram's and ferogram still reads one with it.
import { describe, expect, it } from "vitest";
import { crc32 } from "../src/codec/trailer.js";
import {
	type CachedPeer,
	CorruptSessionError,
	decodeSession,
	decodeSessionDetailed,
	encodeSession,
	type PersistedSession,
	SecretBytes,
	sessionsEqual,
} from "../src/index.js";
// the fixtures module only, so this file runs in a browser too (the kit's asserts use node:assert)
import {
	sampleSession,
	sessionWithExtensions,
	testPeer,
	testPeerMeta,
} from "../src/testing/fixtures.js";
import { expectSameSession, hex, toHex } from "./helpers.js";
import { EMPTY_V8, ONE_DC_WITH_KEY, PEERS_V8 } from "./vectors.js";

const MAGIC = "58535854";

/** The session without anything the trailer carries. */
function plainPart(session: PersistedSession): PersistedSession {
	const { extensions: _, ...rest } = session;
	return { ...rest, peers: session.peers.map(({ meta: _m, ...p }) => p) };
}

/** Where the trailer starts in `bytes` (the length of the v8 body). */
function bodyLength(session: PersistedSession): number {
	return encodeSession(plainPart(session)).length;
}

function corruption(bytes: Uint8Array): string {
	try {
		decodeSession(bytes);
	} catch (error) {
		expect(error).toBeInstanceOf(CorruptSessionError);
		return (error as Error).message;
	}
	throw new Error("decode did not fail");
}

/** Rewrites the checksum after a deliberate change, so the check under test is the next one. */
function withChecksum(bytes: Uint8Array, trailerAt: number): Uint8Array {
	const out = bytes.slice();
	const view = new DataView(out.buffer);
	view.setUint32(trailerAt + 9, crc32(out.subarray(trailerAt + 13)), true);
	return out;
}

describe("extension trailer", () => {
	it("is absent when there is no extension data: the reference vectors re-encode byte for byte", () => {
		for (const vector of [EMPTY_V8, PEERS_V8, ONE_DC_WITH_KEY]) {
			expect(toHex(encodeSession(decodeSession(vector)))).toBe(toHex(vector));
		}
		const plain = sampleSession(4);
		expect(toHex(encodeSession(plain)).includes(MAGIC)).toBe(false);
		// an empty extensions map is no extension data either
		expect(toHex(encodeSession({ ...plain, extensions: new Map() }))).toBe(
			toHex(encodeSession(plain)),
		);
	});

	it("follows an unchanged v8 body, so a reader that stops at the body gets ferogram's session", () => {
		const session = sessionWithExtensions(2);
		const bytes = encodeSession(session);
		const body = bodyLength(session);
		expect(toHex(bytes.subarray(0, body))).toBe(toHex(encodeSession(plainPart(session))));
		expect(toHex(bytes.subarray(body, body + 5))).toBe(`${MAGIC}01`);
		const view = new DataView(bytes.buffer, bytes.byteOffset);
		expect(view.getUint32(body + 5, true)).toBe(bytes.length - body - 13);
		expect(view.getUint32(body + 9, true)).toBe(crc32(bytes.subarray(body + 13)));
		// ferogram's decoder ignores trailing bytes; ours reads the body alone the same way
		expectSameSession(decodeSession(bytes.subarray(0, body)), plainPart(session));
	});

	it("round-trips extension values and every shape of peer metadata", () => {
		const session = sessionWithExtensions(3);
		const detailed = decodeSessionDetailed(encodeSession(session));
		expect(detailed.trailer).toBe(true);
		// the codec keeps what it is given (backends normalize metadata before they encode)
		expect(sessionsEqual(detailed.session, session)).toBe(true);
	});

	it("encodes one peer's metadata field by field", () => {
		const peer: CachedPeer = {
			...testPeer("channel", 5n, 9n),
			meta: {
				usernames: ["ab"],
				phone: "12",
				name: "N",
				updatedAt: 258,
				isMin: true,
				data: new Uint8Array([0xee]),
			},
		};
		const session: PersistedSession = { ...decodeSession(EMPTY_V8), peers: [peer] };
		const bytes = encodeSession(session);
		const at = bodyLength(session);
		const entry = hex(
			"02 | 1d000000 |", // type 2, 29 bytes
			"01 | 0500000000000000 |", // kind channel, id 5
			"0f | 0201000000000000 |", // flags min+phone+name+data, updatedAt 258
			"01 | 02 6162 |", // one username "ab"
			"02 3132 |", // phone "12"
			"0100 4e |", // name "N"
			"ee", // data
		);
		expect(toHex(bytes.subarray(at + 13))).toBe(toHex(entry));
		expect(decodeSession(bytes).peers[0]?.meta).toEqual(peer.meta);
	});

	it("leaves peer data out with peerData: false", () => {
		const session = sessionWithExtensions(5);
		const small = encodeSession(session, { peerData: false });
		expect(small.length).toBeLessThan(encodeSession(session).length);
		const back = decodeSession(small);
		for (const p of back.peers) if (p.meta) expect(p.meta.data).toBeNull();
		expect(back.peers.filter((p) => p.meta).length).toBe(
			session.peers.filter((p) => p.meta).length,
		);
	});

	it("a damaged trailer is CorruptSessionError, never silently dropped", () => {
		const session = sessionWithExtensions(6);
		const bytes = encodeSession(session);
		const at = bodyLength(session);
		// cut anywhere inside the trailer
		for (const cut of [at + 4, at + 8, at + 12, at + 20, bytes.length - 1]) {
			expect(corruption(bytes.subarray(0, cut))).toMatch(/extension trailer/);
		}
		const flipped = bytes.slice();
		flipped[bytes.length - 3] = (flipped[bytes.length - 3] as number) ^ 0x40;
		expect(corruption(flipped)).toMatch(/checksum mismatch/);
		const version = bytes.slice();
		version[at + 4] = 2;
		expect(corruption(version)).toMatch(/unknown trailer version 2/);
		const longer = new Uint8Array([...bytes, 0]);
		expect(corruption(longer)).toMatch(/header says/);
	});

	it("metadata for a peer that is not cached is corrupt", () => {
		const session = sessionWithExtensions(7);
		const first = session.peers.findIndex((p) => p.meta);
		const bytes = encodeSession(session);
		const at = bodyLength(session);
		// the first metadata entry follows the extension entries; change its peer id
		let offset = at + 13;
		while (bytes[offset] === 1)
			offset += 5 + new DataView(bytes.buffer).getUint32(offset + 1, true);
		const changed = bytes.slice();
		changed[offset + 6] = (changed[offset + 6] as number) ^ 0x7f;
		expect(session.peers[first]?.meta).toBeDefined();
		expect(corruption(withChecksum(changed, at))).toMatch(/not cached/);
	});

	it("metadata entries in another order than the peers still reach their own peers", () => {
		const session = sessionWithExtensions(11);
		const bytes = encodeSession(session);
		const at = bodyLength(session);
		const view = new DataView(bytes.buffer);
		const entries: Uint8Array[] = [];
		for (let o = at + 13; o < bytes.length; o += 5 + view.getUint32(o + 1, true))
			entries.push(bytes.subarray(o, o + 5 + view.getUint32(o + 1, true)));
		expect(entries.filter((e) => e[0] === 2).length).toBeGreaterThan(2);
		const reversed = new Uint8Array(bytes.length);
		reversed.set(bytes.subarray(0, at + 13));
		let o = at + 13;
		for (const e of entries.reverse()) {
			reversed.set(e, o);
			o += e.length;
		}
		expect(toHex(reversed)).not.toBe(toHex(bytes));
		expect(sessionsEqual(decodeSession(withChecksum(reversed, at)), session)).toBe(true);
	});

	it("an out-of-range updatedAt is corrupt", () => {
		const session: PersistedSession = {
			...decodeSession(EMPTY_V8),
			peers: [{ ...testPeer("user", 1n, 1n), meta: testPeerMeta(1, { data: null }) }],
		};
		const bytes = encodeSession(session);
		const at = bodyLength(session);
		const changed = bytes.slice();
		changed[at + 13 + 5 + 9 + 1 + 7] = 0x80; // top byte of updatedAt: negative
		expect(corruption(withChecksum(changed, at))).toMatch(/updatedAt/);
	});

	it("skips entry types it does not know (a later version's additions)", () => {
		const session = sessionWithExtensions(8);
		const bytes = encodeSession(session);
		const at = bodyLength(session);
		const unknown = hex("7f | 03000000 | 010203");
		const grown = new Uint8Array([...bytes, ...unknown]);
		const view = new DataView(grown.buffer);
		view.setUint32(at + 5, view.getUint32(at + 5, true) + unknown.length, true);
		expect(sessionsEqual(decodeSession(withChecksum(grown, at)), session)).toBe(true);
	});

	it("foreign trailing bytes are still ignored (and refused in strict mode)", () => {
		const session = sampleSession(9);
		const bytes = new Uint8Array([...encodeSession(session), 0x00, 0x11, 0x22, 0x33, 0x44]);
		const detailed = decodeSessionDetailed(bytes);
		expect(detailed.trailer).toBeFalsy();
		expectSameSession(detailed.session, session);
		expect(() => decodeSession(bytes, { strict: true })).toThrow(CorruptSessionError);
	});

	it("extension values are secrets: a copy, and never printed", () => {
		const session = sessionWithExtensions(10);
		const back = decodeSession(encodeSession(session));
		const value = back.extensions?.get("mtcute:temp_key:2:0");
		expect(value).toBeInstanceOf(SecretBytes);
		expect(JSON.stringify(value)).not.toContain(
			toHex(session.extensions?.get("mtcute:temp_key:2:0")?.expose() ?? new Uint8Array()).slice(
				0,
				16,
			),
		);
	});

	it("CRC-32 is the IEEE one (check value of '123456789')", () => {
		expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
	});
});
