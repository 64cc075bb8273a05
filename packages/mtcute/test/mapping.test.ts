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
import { parseDcOption, serializeDcOption } from "../src/codec.js";
import { fastStringOfHash, hashOfFastString, markedIdOf, peerOfMarkedId } from "../src/index.js";
import { cachedPeerOf } from "../src/peers.js";

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

describe("peers", () => {
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
