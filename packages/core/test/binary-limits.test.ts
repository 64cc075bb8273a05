// FORMAT.md §2.8, §8.2: counts and lengths that do not fit the format are refused (EncodeOverflowError), never wrapped.
import { describe, expect, it } from "vitest";
import {
	type CachedPeer,
	decodeSession,
	EncodeOverflowError,
	encodeSession,
	isSessionError,
	type PersistedSession,
	SecretBytes,
	sessionsEqual,
} from "../src/index.js";
import { dc, seqKey, session, thrown } from "./helpers.js";

function expectOverflow(s: PersistedSession, what: RegExp): void {
	const e = thrown(() => encodeSession(s));
	expect(e).toBeInstanceOf(EncodeOverflowError);
	expect((e as EncodeOverflowError).code).toBe("ENCODE_OVERFLOW");
	expect((e as Error).message).toMatch(what);
}

const peers = (n: number): CachedPeer[] =>
	Array.from({ length: n }, (_, i) => ({
		kind: "user",
		id: BigInt(i + 1),
		accessHash: 1n,
		channelKind: null,
	}));

describe("encode refuses what does not fit", () => {
	it("256 DCs overflow; 255 round-trip", () => {
		const dcs = (n: number) => Array.from({ length: n }, (_, i) => dc({ dcId: i }));
		expectOverflow(session({ dcs: dcs(256) }), /DC entries: 256 does not fit/);
		const ok = session({ dcs: dcs(255) });
		expect(sessionsEqual(decodeSession(encodeSession(ok)), ok, { ordered: true })).toBe(true);
	});

	it("a 256-byte address overflows (counted in UTF-8 bytes); 255 bytes round-trip", () => {
		expectOverflow(
			session({ dcs: [dc({ addr: "a".repeat(256) })] }),
			/address length of DC 2: 256/,
		);
		expectOverflow(session({ dcs: [dc({ addr: "é".repeat(128) })] }), /address length/);
		const ok = session({ dcs: [dc({ addr: `${"é".repeat(127)}a` })] });
		expect(decodeSession(encodeSession(ok)).dcs[0]?.addr).toBe(`${"é".repeat(127)}a`);
	});

	it("65536 peers, min peers or channels overflow; 65535 round-trip", () => {
		expectOverflow(session({ peers: peers(65536) }), /cached peers: 65536/);
		expectOverflow(
			session({
				minPeers: Array.from({ length: 65536 }, (_, i) => ({
					userId: BigInt(i),
					peerId: 1n,
					msgId: 1,
				})),
			}),
			/min peers: 65536/,
		);
		expectOverflow(
			session({
				updatesState: {
					pts: 0,
					qts: 0,
					date: 0,
					seq: 0,
					channels: Array.from({ length: 65536 }, (_, i) => ({ channelId: BigInt(i), pts: 1 })),
				},
			}),
			/channel pts entries: 65536/,
		);
		const ok = session({ peers: peers(65535) });
		const back = decodeSession(encodeSession(ok));
		expect(back.peers).toHaveLength(65535);
		expect(back.peers[65534]).toEqual(ok.peers[65534]);
	});

	it("a 65536-byte token overflows; 65535 bytes round-trip", () => {
		expectOverflow(
			session({ futureAuthToken: new SecretBytes(new Uint8Array(65536)) }),
			/future auth token bytes: 65536/,
		);
		const ok = session({ futureAuthToken: new SecretBytes(new Uint8Array(65535).fill(7)) });
		expect(
			decodeSession(encodeSession(ok)).futureAuthToken?.equals(new Uint8Array(65535).fill(7)),
		).toBe(true);
	});

	it("integers outside i32 / i64 / u8 overflow instead of wrapping", () => {
		expectOverflow(session({ homeDcId: 2 ** 31 }), /homeDcId/);
		expectOverflow(session({ homeDcId: 1.5 }), /homeDcId/);
		expectOverflow(session({ dcs: [dc({ flags: 256 })] }), /flags/);
		expectOverflow(session({ dcs: [dc({ firstSalt: 2n ** 63n })] }), /firstSalt/);
		expectOverflow(
			session({
				peers: [{ kind: "user", id: -(2n ** 63n) - 1n, accessHash: 0n, channelKind: null }],
			}),
			/peers\[\]\.id/,
		);
		expectOverflow(
			session({
				peers: [{ kind: "user", id: 1 as unknown as bigint, accessHash: 0n, channelKind: null }],
			}),
			/bigint/,
		);
		expectOverflow(
			session({ minPeers: [{ userId: 1n, peerId: 1n, msgId: -(2 ** 31) - 1 }] }),
			/msgId/,
		);
	});

	it("nothing is written: the session is unchanged and no partial bytes come back", () => {
		const s = session({ homeDcId: 2, dcs: [dc({ authKey: seqKey() })], peers: peers(65536) });
		let out: Uint8Array | undefined;
		expect(() => {
			out = encodeSession(s);
		}).toThrow(EncodeOverflowError);
		expect(out).toBeUndefined();
		expect(s.peers).toHaveLength(65536);
		expect(s.dcs[0]?.authKey?.length).toBe(256);
	});

	it("an auth key that is not 256 bytes, an unknown peer kind or channel kind is INVALID_ARGUMENT", () => {
		for (const s of [
			session({ dcs: [dc({ authKey: new SecretBytes(new Uint8Array(255)) })] }),
			session({ peers: [{ kind: "bot" as "user", id: 1n, accessHash: 0n, channelKind: null }] }),
			session({
				peers: [{ kind: "channel", id: 1n, accessHash: 0n, channelKind: "forum" as "megagroup" }],
			}),
		]) {
			expect(
				isSessionError(
					thrown(() => encodeSession(s)),
					"INVALID_ARGUMENT",
				),
			).toBe(true);
		}
	});
});
