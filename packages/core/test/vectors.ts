// Hand-built vectors from FORMAT.md §2 (binary, little-endian), shared by the encode and decode tests.
import { type CachedPeer, SecretBytes } from "../src/index.js";
import { hex, SEQ_KEY_HEX, session } from "./helpers.js";

// "149.154.167.51:443", 18 bytes
export const ADDR_V4_HEX = "3134392e3135342e3136372e35313a343433";
// "[2001:b28:f23d:f001::a]:443", 27 bytes
export const ADDR_V6_HEX = "5b323030313a6232383a663233643a663030313a3a615d3a343433";
export const ZERO_STATE = "00000000 00000000 00000000 00000000";

export const EMPTY_V8 = hex("08 | 00000000 | 00 |", ZERO_STATE, "| 0000 | 0000 | 0000 | 00");

export const ONE_DC_NO_KEY = hex(
	"08 | 02000000 | 01 |",
	"02000000 | 00 | 0807060504030201 | ffffffff | 12 |",
	ADDR_V4_HEX,
	"| 00 |",
	ZERO_STATE,
	"| 0000 | 0000 | 0000 | 00",
);

export const ONE_DC_WITH_KEY = hex(
	"08 | 02000000 | 01 |",
	"02000000 | 01 |",
	SEQ_KEY_HEX,
	"| 0807060504030201 | ffffffff | 12 |",
	ADDR_V4_HEX,
	"| 10 |",
	ZERO_STATE,
	"| 0000 | 0000 | 0000 | 00",
);

export const IPV6_DC = hex(
	"08 | 01000000 | 01 |",
	"01000000 | 00 | 0000000000000000 | 03000000 | 1b |",
	ADDR_V6_HEX,
	"| 01 |",
	ZERO_STATE,
	"| 0000 | 0000 | 0000 | 00",
);

export const PEERS_V8 = hex(
	"08 | 00000000 | 00 |",
	// pts 100, qts 7, date 1700000000, seq 3
	"64000000 | 07000000 | 00f15365 | 03000000 |",
	// one channel: id 1001, pts 5
	"0100 | e903000000000000 05000000 |",
	"0800 |",
	"7856341200000000 feffffffffffffff 00 ff 00 |", // user 0x12345678, hash -2
	"6400000000000000 0000000000000000 02 ff 00 |", // chat 100
	"e903000000000000 ffffffffffffff7f 01 00 00 |", // channel 1001 broadcast, hash i64 max
	"ea03000000000000 0100000000000000 01 01 00 |", // channel 1002 megagroup
	"eb03000000000000 0000000000000080 01 02 00 |", // channel 1003 gigagroup, hash i64 min
	"ec03000000000000 0200000000000000 01 ff 00 |", // channel 1004, kind unknown (0xFF)
	"ed03000000000000 0000000000000000 01 ff 00 |", // min channel 1005 (hash 0)
	"0500000000000000 0900000000000000 00 ff 01 |", // community 5: type byte 0 + community byte 1
	"0200 |",
	"0700000000000000 9cffffffffffffff 2a000000 |", // min peer: user 7 via peer -100, msg 42
	"0807060504030201 e903000000000000 ffffffff |", // user 0x0102030405060708 via 1001, msg -1
	"01 | 0400 | deadbeef", // token
);

export const PEERS: CachedPeer[] = [
	{ kind: "user", id: 0x12345678n, accessHash: -2n, channelKind: null },
	{ kind: "chat", id: 100n, accessHash: 0n, channelKind: null },
	{ kind: "channel", id: 1001n, accessHash: 2n ** 63n - 1n, channelKind: "broadcast" },
	{ kind: "channel", id: 1002n, accessHash: 1n, channelKind: "megagroup" },
	{ kind: "channel", id: 1003n, accessHash: -(2n ** 63n), channelKind: "gigagroup" },
	{ kind: "channel", id: 1004n, accessHash: 2n, channelKind: null },
	{ kind: "channel", id: 1005n, accessHash: 0n, channelKind: null },
	{ kind: "community", id: 5n, accessHash: 9n, channelKind: null },
];

export const PEERS_SESSION = (): ReturnType<typeof session> =>
	session({
		updatesState: {
			pts: 100,
			qts: 7,
			date: 1_700_000_000,
			seq: 3,
			channels: [{ channelId: 1001n, pts: 5 }],
		},
		peers: PEERS.map((p) => ({ ...p })),
		minPeers: [
			{ userId: 7n, peerId: -100n, msgId: 42 },
			{ userId: 0x0102030405060708n, peerId: 1001n, msgId: -1 },
		],
		futureAuthToken: new SecretBytes(hex("deadbeef")),
	});

// ---- older versions, built by hand from FORMAT.md §2.5 ----

// "1.2.3.4:443", 11 bytes
export const ADDR_SHORT_HEX = "312e322e332e343a343433";
const STATE_V2 = "0a000000 | 00000000 | 01000000 | 02000000 | 0100 | e903000000000000 07000000";
const PEERS_17 = [
	"0300 |",
	"0100000000000000 0200000000000000 00 |", // user 1, hash 2
	"0200000000000000 0300000000000000 01 |", // channel 2, hash 3
	"0300000000000000 0000000000000000 02", // chat 3
].join("");
const PEERS_18 = [
	"0200 |",
	"0100000000000000 0200000000000000 00 ff |", // user 1, kind none
	"0200000000000000 0300000000000000 01 01", // channel 2, megagroup
].join("");
const DC_NO_FLAGS = `02000000 | 00 | 0000000000000000 | 00000000 | 0b | ${ADDR_SHORT_HEX}`;
const DC_FLAGS = `${DC_NO_FLAGS} | 11`;
const MIN_ONE = "0100 | 0700000000000000 0800000000000000 09000000";

/** v1: no version byte, DCs without flags, nothing after the DCs. Home DC 1. */
export const V1 = hex(
	"01000000 | 01 |",
	"01000000 | 01 |",
	SEQ_KEY_HEX,
	`| 0500000000000000 | feffffff | 0b | ${ADDR_SHORT_HEX}`,
);
export const V2 = hex("02 | 02000000 | 01 |", DC_NO_FLAGS, "|", STATE_V2, "|", PEERS_17);
export const V3 = hex("03 | 02000000 | 01 |", DC_FLAGS, "|", STATE_V2, "|", PEERS_17);
export const V4 = hex("04 | 02000000 | 01 |", DC_FLAGS, "|", STATE_V2, "|", PEERS_17, "|", MIN_ONE);
export const V5 = hex("05 | 02000000 | 01 |", DC_FLAGS, "|", STATE_V2, "|", PEERS_17, "|", MIN_ONE);
export const V6 = hex("06 | 02000000 | 01 |", DC_FLAGS, "|", STATE_V2, "|", PEERS_18, "|", MIN_ONE);
export const V7 = hex(
	"07 | 02000000 | 01 |",
	DC_FLAGS,
	"|",
	STATE_V2,
	"|",
	PEERS_18,
	"|",
	MIN_ONE,
	"| 01 | 0200 | abcd",
);
