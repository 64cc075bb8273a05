import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CorruptSessionError } from "../../src/errors.js";
import { SecretBytes } from "../../src/secret.js";
import type { SqlRow, SqlValue } from "../../src/sql/driver.js";
import {
	authKeyOf,
	dcFromRow,
	dcParams,
	minPeerFromRow,
	peerFromRow,
	peerParams,
	RowReader,
} from "../../src/sql/rows.js";
import { SCHEMA_VERSION } from "../../src/sql/schema.js";
import { MIGRATIONS } from "../../src/sql/sqlite-family/schema.js";
import type { CachedPeer, DcEntry } from "../../src/types.js";

const I64_MAX = 2n ** 63n - 1n;
const I64_MIN = -(2n ** 63n);
const reader = () => new RowReader("sqlite", "/tmp/x.db");

describe("SQL rows ↔ model", () => {
	it("64-bit values round-trip exactly, as bigint, in both directions", () => {
		const peer: CachedPeer = {
			kind: "channel",
			id: I64_MAX,
			accessHash: I64_MIN,
			channelKind: "gigagroup",
		};
		const [, kind, id, accessHash, channelKind] = peerParams("s", peer) as SqlValue[];
		const back = peerFromRow(reader(), {
			kind: kind ?? null,
			id: id ?? null,
			access_hash: accessHash ?? null,
			channel_kind: channelKind ?? null,
		});
		expect(back).toEqual(peer);
		expect(typeof back.id).toBe("bigint");
		// A driver that returns safe integers as numbers still reads exactly.
		expect(reader().i64({ v: 42 }, "v")).toBe(42n);
	});

	it("a DC row maps to a DcEntry with the auth key as SecretBytes", () => {
		const key = new Uint8Array(256).map((_, i) => i);
		const dc: DcEntry = {
			dcId: 2,
			addr: "149.154.167.51:443",
			authKey: new SecretBytes(key),
			firstSalt: I64_MIN,
			timeOffset: -2147483648,
			flags: 0b101,
		};
		const params = dcParams("s", dc);
		const at = (i: number): SqlValue => params[i] ?? null;
		const row: SqlRow = {
			dc_id: at(1),
			flags: at(3),
			addr: at(4),
			auth_key: at(5),
			first_salt: at(6),
			time_offset: at(7),
		};
		const back = dcFromRow(reader(), row);
		expect(back.authKey).toBeInstanceOf(SecretBytes);
		expect(back.authKey?.expose()).toEqual(key);
		expect({ ...back, authKey: null }).toEqual({ ...dc, authKey: null });
		expect(minPeerFromRow(reader(), { user_id: I64_MAX, peer_id: I64_MIN, msg_id: 7n })).toEqual({
			userId: I64_MAX,
			peerId: I64_MIN,
			msgId: 7,
		});
	});

	it("rejects bad rows with CorruptSessionError instead of dropping them (FORMAT.md §8.9)", () => {
		const r = reader();
		const bad: [string, () => unknown][] = [
			["short auth key", () => authKeyOf(r, { auth_key: new Uint8Array(100) }, 2)],
			["auth key as text", () => authKeyOf(r, { auth_key: "secret" }, 2)],
			["i64 beyond 64 bits", () => r.i64({ v: 2n ** 63n }, "v")],
			["unsafe float", () => r.i64({ v: 2 ** 60 }, "v")],
			["i32 overflow", () => r.i32({ v: 2147483648n }, "v")],
			["flags beyond a byte", () => r.byte({ v: 256n }, "v")],
			["missing column", () => r.text({}, "addr")],
			[
				"unknown peer kind",
				() => peerFromRow(r, { kind: 9n, id: 1n, access_hash: 0n, channel_kind: null }),
			],
			[
				"unknown channel kind",
				() => peerFromRow(r, { kind: 2n, id: 1n, access_hash: 0n, channel_kind: 7n }),
			],
		];
		for (const [what, read] of bad) {
			let caught: unknown;
			try {
				read();
			} catch (e) {
				caught = e;
			}
			expect(caught, what).toBeInstanceOf(CorruptSessionError);
			expect((caught as CorruptSessionError).backend, what).toBe("sqlite");
			expect((caught as Error).message, what).toContain("/tmp/x.db");
		}
		// The wrong-length key's error states the length, never the bytes.
		expect(() => authKeyOf(r, { auth_key: new Uint8Array(100).fill(0xab) }, 2)).toThrow(
			/auth key of DC 2 is 100 bytes, not 256/,
		);
		expect(() => authKeyOf(r, { auth_key: "s3cr3t-value" }, 2)).not.toThrow(/s3cr3t/);
		// An absent key is not an error.
		expect(authKeyOf(r, { auth_key: null }, 2)).toBeNull();
	});
});

describe("SQL schema", () => {
	it("the SQLite family reaches SCHEMA_VERSION; peers are keyed by (session, kind, id)", () => {
		expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
		const peers = MIGRATIONS.flat().find((s) => s.includes("CREATE TABLE xs_peers"));
		expect(peers?.replace(/\s+/g, " ")).toContain("PRIMARY KEY (session_id, kind, id)");
	});

	it("imports nothing from node: (core runs in browsers)", () => {
		const dir = join(import.meta.dirname, "../../src/sql");
		const files = readdirSync(dir, { recursive: true }).map(String);
		expect(files).toContain("sqlite-family/dialect.ts");
		for (const file of files.filter((f) => f.endsWith(".ts"))) {
			expect(readFileSync(join(dir, file), "utf8"), file).not.toMatch(/from\s+["']node:/);
		}
	});
});
