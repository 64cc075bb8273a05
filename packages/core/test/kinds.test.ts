// The stored codes of peer and channel kinds are data on disk: these values must never change,
// whatever order the kind lists are written in.
import { describe, expect, it } from "vitest";
import { decodeSession, emptySession, encodeSession, PEER_KINDS } from "../src/index.js";
import { BINARY_PEER_TYPE, TRAILER_PEER_KIND } from "../src/kinds.js";
import { PEER_KINDS as SQL_KINDS_BY_CODE } from "../src/sql/rows.js";
import { CHANNEL_KIND_CODE, isChannelKind, isPeerKind, SQL_PEER_KIND } from "../src/toolkit.js";

describe("kind codes", () => {
	it("SQL kind column: user 0, chat 1, channel 2, community 3; the SQL layer's list agrees", () => {
		expect(SQL_PEER_KIND.code).toEqual({ user: 0, chat: 1, channel: 2, community: 3 });
		for (const kind of PEER_KINDS) {
			expect(SQL_KINDS_BY_CODE.indexOf(kind)).toBe(SQL_PEER_KIND.code[kind]);
			expect(SQL_PEER_KIND.kindOf(SQL_PEER_KIND.code[kind])).toBe(kind);
		}
		expect(SQL_PEER_KIND.kindOf(4)).toBeUndefined();
		expect(SQL_PEER_KIND.kindOf(-1)).toBeUndefined();
	});

	it("trailer kind byte: user 0, channel 1, chat 2, community 3", () => {
		expect(TRAILER_PEER_KIND.code).toEqual({ user: 0, channel: 1, chat: 2, community: 3 });
	});

	it("binary type byte: user 0, channel 1, chat 2; a community is a user with the v8 byte", () => {
		expect(BINARY_PEER_TYPE.code).toEqual({ user: 0, channel: 1, chat: 2 });
		const session = emptySession();
		session.peers = PEER_KINDS.map((kind, i) => ({
			kind,
			id: BigInt(i + 1),
			accessHash: 7n,
			channelKind: null,
		}));
		const bytes = encodeSession(session);
		// version, home DC, DC count (0), update state, channel count (0), peer count
		const peersAt = 1 + 4 + 1 + 16 + 2 + 2;
		const types = PEER_KINDS.map((_, i) => bytes[peersAt + i * 19 + 16]);
		const community = PEER_KINDS.map((_, i) => bytes[peersAt + i * 19 + 18]);
		expect(types).toEqual([0, 2, 1, 0]);
		expect(community).toEqual([0, 0, 0, 1]);
		expect(decodeSession(bytes).peers.map((p) => p.kind)).toEqual([...PEER_KINDS]);
	});

	it("channel kind code: broadcast 0, megagroup 1, gigagroup 2 (0xFF none in the binary format)", () => {
		expect(CHANNEL_KIND_CODE.code).toEqual({ broadcast: 0, megagroup: 1, gigagroup: 2 });
	});

	it("one validation for kinds", () => {
		for (const kind of PEER_KINDS) expect(isPeerKind(kind)).toBe(true);
		for (const bad of ["User", "", "bot", 0, null, undefined, "toString"]) {
			expect(isPeerKind(bad)).toBe(false);
			expect(isChannelKind(bad)).toBe(false);
		}
		expect(isChannelKind("megagroup")).toBe(true);
	});
});
