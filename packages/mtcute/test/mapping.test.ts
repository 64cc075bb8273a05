// The adapter's conversions checked against mtcute's own functions (@mtcute/core/utils.js).
import {
	getMarkedPeerId,
	longFromFastString,
	longToFastString,
	parseBasicDcOption,
	serializeBasicDcOption,
} from "@mtcute/core/utils.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { packPeerData, parseDcOption, serializeDcOption } from "../src/codec.js";
import {
	fastStringOfHash,
	hashOfFastString,
	markedIdOf,
	type PeerInfo,
	peerOfMarkedId,
} from "../src/index.js";
import { cachedPeerOf, cachedPeersOf, peerInfoOf } from "../src/peers.js";

const Long = longFromFastString("0|0").constructor as new (
	low: number,
	high: number,
) => Parameters<typeof longToFastString>[0];

describe("ids and hashes", () => {
	it("access-hash strings match mtcute's both ways, for every 64-bit value", () => {
		fc.assert(
			fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (hash) => {
				const low = Number(BigInt.asIntN(32, hash));
				const high = Number(BigInt.asIntN(32, hash >> 32n));
				const theirs = longToFastString(new Long(low, high));
				expect(fastStringOfHash(hash)).toBe(theirs);
				expect(hashOfFastString(theirs)).toBe(hash);
			}),
			{ numRuns: 2000 },
		);
		for (const bad of ["", "1", "1|2|3", "a|b", "99999999999|0", "1.5|0"])
			expect(hashOfFastString(bad)).toBeNull();
	});

	it("access-hash strings are read as the regular-expression reading did, for any string", () => {
		// the reading before the hand-written parser, kept as the reference
		const INT = /^-?\d{1,10}$/;
		const reference = (text: string): bigint | null => {
			const bar = text.indexOf("|");
			if (bar < 1 || bar > 11 || text.length - bar > 12) return null;
			const lowText = text.slice(0, bar);
			const highText = text.slice(bar + 1);
			if (!INT.test(lowText) || !INT.test(highText)) return null;
			const low = Number(lowText);
			const high = Number(highText);
			if (low !== (low | 0) || high !== (high | 0)) return null;
			return BigInt.asIntN(64, (BigInt(high) << 32n) | BigInt(low >>> 0));
		};
		const near = fc.string({
			unit: fc.constantFrom(..."-0123456789|", "0", "9", "+", " ", "a", "\u0660", "."),
			maxLength: 24,
		});
		const bound = fc.constantFrom("2147483647", "2147483648", "-2147483648", "-2147483649");
		const halves = fc
			.tuple(fc.oneof(near, bound, fc.integer().map(String)), fc.oneof(near, bound))
			.map(([a, b]) => `${a}|${b}`);
		fc.assert(
			fc.property(fc.oneof(near, halves, fc.string()), (text) => {
				expect(hashOfFastString(text)).toBe(reference(text));
			}),
			{ numRuns: 5000 },
		);
		const edges = ["-0|0", "0|-0", "0000000001|1", "00000000001|1", "1|00000000001", "-|1", "1|-"];
		for (const edge of [...edges, "|1", "1|", "-00000000001|1", "1|-0000000001"])
			expect(hashOfFastString(edge)).toBe(reference(edge));
	});

	it("marked ids match mtcute's for users, chats and channels", () => {
		fc.assert(
			fc.property(
				fc.constantFrom("user" as const, "chat" as const, "channel" as const),
				fc.integer({ min: 1, max: 999_999_999_999 }),
				(kind, bare) => {
					const marked = getMarkedPeerId(bare, kind);
					expect(markedIdOf(kind, BigInt(bare))).toBe(marked);
					expect(peerOfMarkedId(marked)).toEqual({ kind, id: BigInt(bare) });
				},
			),
			{ numRuns: 2000 },
		);
		for (const bad of [0, -1e12, 1.5, Number.NaN]) expect(peerOfMarkedId(bad)).toBeNull();
	});
});

describe("DC options", () => {
	it("serialize byte for byte as mtcute does, and parse what mtcute writes", () => {
		fc.assert(
			fc.property(
				fc.record({
					id: fc.integer({ min: 1, max: 255 }),
					ipAddress: fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 300 })),
					port: fc.integer({ min: 0, max: 65535 }),
					ipv6: fc.boolean(),
					mediaOnly: fc.boolean(),
					testMode: fc.boolean(),
				}),
				(dc) => {
					const theirs = serializeBasicDcOption(dc);
					expect(serializeDcOption(dc)).toEqual(theirs);
					expect(parseDcOption(theirs)).toEqual(parseBasicDcOption(theirs));
				},
			),
			{ numRuns: 1000 },
		);
		expect(parseDcOption(new Uint8Array([3, 2, 0, 0, 0, 0, 0, 0]))).toBeNull();
		expect(parseDcOption(new Uint8Array([2, 2]))).toBeNull();
	});
});

const peerInfo: fc.Arbitrary<PeerInfo> = fc
	.record(
		{
			kind: fc.constantFrom("user" as const, "chat" as const, "channel" as const),
			bare: fc.integer({ min: 1, max: 999_999_999_999 }),
			hash: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
			isMin: fc.boolean(),
			usernames: fc.array(fc.stringMatching(/^[a-z][a-z0-9_]{4,31}$/), { maxLength: 3 }),
			updated: fc.integer({ min: 0, max: 2 ** 45 }),
			phone: fc.option(fc.stringMatching(/^\d{1,15}$/), { nil: undefined }),
			// up to past the size the packer gives a buffer of its own
			complete: fc.uint8Array({ maxLength: 5000 }),
			offset: fc.nat({ max: 7 }),
		},
		{
			requiredKeys: ["kind", "bare", "hash", "isMin", "usernames", "updated", "complete", "offset"],
		},
	)
	.map((r) => {
		// a view into a larger buffer, as a writer's result can be
		const backing = new Uint8Array(r.offset + r.complete.length + 5).fill(0xee);
		backing.set(r.complete, r.offset);
		const info: PeerInfo = {
			id: markedIdOf(r.kind, BigInt(r.bare)),
			accessHash: r.kind === "chat" ? "" : fastStringOfHash(r.hash),
			isMin: r.isMin,
			usernames: r.kind === "chat" ? [] : [...new Set(r.usernames)],
			updated: r.updated,
			complete: backing.subarray(r.offset, r.offset + r.complete.length),
		};
		if (r.phone !== undefined) info.phone = r.phone;
		return info;
	});

describe("peers", () => {
	it("a peer converts and back exactly, alone or in a batch; the data is packed as before", () => {
		fc.assert(
			fc.property(fc.array(peerInfo, { minLength: 1, maxLength: 40 }), (infos) => {
				const batch = cachedPeersOf(infos);
				expect(batch).toHaveLength(infos.length);
				for (const [i, info] of infos.entries()) {
					const alone = cachedPeerOf(info);
					const typed = batch[i];
					expect(typed).toEqual(alone);
					const hash = info.accessHash === "" ? 0n : (hashOfFastString(info.accessHash) ?? 0n);
					expect(typed?.accessHash).toBe(info.isMin ? 0n : hash);
					// exactly the peer's own bytes, whatever buffer they are a view of
					expect(typed?.meta?.data).toEqual(packPeerData(hash, info.complete.slice()));
					expect(typed && peerInfoOf(typed)).toEqual({ ...info, complete: info.complete.slice() });
				}
			}),
			{ numRuns: 300 },
		);
	});

	it("a batch's data owes nothing to the callers' buffers, nor one peer's to another's", () => {
		const backing = new Uint8Array(64).map((_, i) => i);
		const infos: PeerInfo[] = [1, 2, 3].map((id) => ({
			id,
			accessHash: `${id}|-1`,
			isMin: false,
			usernames: [],
			updated: 1,
			complete: backing.subarray(id * 10, id * 10 + 10),
		}));
		const batch = cachedPeersOf(infos);
		backing.fill(0);
		for (const [i, typed] of batch.entries()) {
			const id = i + 1;
			const own = new Uint8Array(10).map((_, k) => id * 10 + k);
			expect(typed.meta?.data).toEqual(
				packPeerData(BigInt.asIntN(64, (-1n << 32n) | BigInt(id)), own),
			);
			expect(peerInfoOf(typed)?.complete).toEqual(own);
		}
		// a read-back peer's bytes are a view of its data: writing into it touches no other peer
		const first = batch[0] && peerInfoOf(batch[0]);
		first?.complete.fill(0xff);
		expect(peerInfoOf(batch[1] as (typeof batch)[number])?.complete).toEqual(
			new Uint8Array(10).map((_, k) => 20 + k),
		);
	});

	it("what the store cannot keep is dropped from the peer, never failing the batch", () => {
		const peer = cachedPeerOf({
			id: 5,
			accessHash: "1|2",
			isMin: false,
			usernames: ["ok_name", "has space", "", "x".repeat(300)],
			updated: 1.5e20,
			phone: "1".repeat(40),
			complete: new Uint8Array([1]),
		});
		expect(peer?.meta).toMatchObject({
			usernames: ["ok_name"],
			phone: null,
			updatedAt: Number.MAX_SAFE_INTEGER,
		});
		expect(
			cachedPeerOf({
				id: 0,
				accessHash: "",
				isMin: false,
				usernames: [],
				updated: 0,
				complete: new Uint8Array(),
			}),
		).toBeNull();
	});
});
