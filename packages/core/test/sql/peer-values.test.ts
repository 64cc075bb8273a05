// The SQL lookups' row reader: a peer row as the values of its columns (a driver's raw row) reads
// exactly as the same row by column name, and a bad value is a CorruptSessionError naming the
// backend and the column, whichever form the row comes in.
import { describe, expect, it } from "vitest";
import { CorruptSessionError } from "../../src/errors.js";
import type { SqlValue } from "../../src/sql/driver.js";
import { peerWithMetaFromRow, peerWithMetaFromValues } from "../../src/sql/peer-meta.js";
import { RowReader } from "../../src/sql/rows.js";

const COLUMNS = [
	"kind",
	"id",
	"access_hash",
	"channel_kind",
	"has_meta",
	"phone",
	"name",
	"updated_at",
	"is_min",
	"data",
	"usernames",
] as const;
const reader = () => new RowReader("sqlite", "/tmp/x.db#default");
const byName = (v: readonly SqlValue[]) =>
	Object.fromEntries(COLUMNS.map((c, i) => [c, v[i] as SqlValue]));
const row = (over: Partial<Record<(typeof COLUMNS)[number], SqlValue>> = {}): SqlValue[] => {
	const base: Record<string, SqlValue> = {
		kind: 2n,
		id: -(2n ** 63n),
		access_hash: 2n ** 63n - 1n,
		channel_kind: 1n,
		has_meta: 2n,
		phone: "15550100",
		name: "Name ✓",
		updated_at: BigInt(Number.MAX_SAFE_INTEGER),
		is_min: 1n,
		data: new Uint8Array([1, 2, 3]),
		usernames: "zeta\nalpha",
		...over,
	};
	return COLUMNS.map((c) => base[c] as SqlValue);
};

describe("peer rows from column values", () => {
	it("read as the same row by column name does", () => {
		const rows = [
			row(),
			row({ has_meta: null, phone: null, name: null, updated_at: null, is_min: null }),
			row({ channel_kind: null, kind: 0n, id: 5, access_hash: 0 }),
			row({ usernames: null, data: null, phone: null, updated_at: 0n, is_min: 0n }),
			row({ usernames: "" }),
			row({ data: new Uint8Array([9, 8, 7, 6]).buffer as unknown as SqlValue }),
		];
		for (const usernames of [
			"solo",
			"b\na",
			"a\nb",
			"a\na",
			"b\n",
			"\nb",
			"é\nz",
			"Z\na",
			"c\na\nb",
			"delta\nalpha\ncharlie\nbravo",
			"😀\n\uffff\n_",
		])
			rows.push(row({ usernames }));
		for (const v of rows) {
			const got = peerWithMetaFromValues(reader(), v);
			expect(got).toEqual(peerWithMetaFromRow(reader(), byName(v)));
			const joined = v[10];
			if (got.meta && typeof joined === "string")
				expect(got.meta.usernames).toEqual(joined ? joined.split("\n").sort() : []);
			// the data is a copy: changing it changes no row
			if (got.meta?.data && v[9] instanceof Uint8Array) {
				got.meta.data[0] = 0xee;
				expect(v[9][0]).not.toBe(0xee);
			}
		}
		expect(peerWithMetaFromValues(reader(), row()).meta?.usernames).toEqual(["alpha", "zeta"]);
	});

	it.each([
		["kind", 9n, /unknown peer kind 9/],
		["kind", 256n, /column kind holds an invalid value \(256\)/],
		["kind", -1n, /column kind holds an invalid value \(-1\)/],
		["kind", "2", /column kind holds an invalid value \(string\)/],
		["kind", 2n ** 64n, /column kind holds an invalid value \(18446744073709551616\)/],
		["id", 2n ** 63n, /column id holds an invalid value \(9223372036854775808\)/],
		["id", 2 ** 60, /column id holds an invalid value \(1152921504606847000\)/],
		["access_hash", "x", /column access_hash holds an invalid value \(string\)/],
		["access_hash", null, /column access_hash holds an invalid value \(object\)/],
		["channel_kind", 3n, /unknown channel kind 3/],
		["channel_kind", 1.5, /column channel_kind holds an invalid value \(1.5\)/],
		["updated_at", -1n, /column updated_at holds an invalid value \(-1\)/],
		["updated_at", 2n ** 53n, /column updated_at holds an invalid value \(9007199254740992\)/],
		["updated_at", null, /column updated_at holds an invalid value \(object\)/],
		["is_min", "yes", /column is_min holds an invalid value \(string\)/],
		["data", "bytes", /column data holds an invalid value \(string\)/],
		["usernames", 7n, /column usernames holds an invalid value \(7\)/],
		["phone", new Uint8Array(1), /column phone holds an invalid value \(object\)/],
		["name", 1n, /column name holds an invalid value \(1\)/],
	] as const)("a bad %s (%s) is CorruptSessionError naming it", (column, value, message) => {
		const v = row({ [column]: value as SqlValue });
		for (const read of [
			() => peerWithMetaFromValues(reader(), v),
			() => peerWithMetaFromRow(reader(), byName(v)),
		]) {
			let error: unknown;
			try {
				read();
			} catch (e) {
				error = e;
			}
			expect(error).toBeInstanceOf(CorruptSessionError);
			expect((error as CorruptSessionError).backend).toBe("sqlite");
			expect((error as Error).message).toMatch(message);
			expect((error as Error).message).toContain("/tmp/x.db#default");
		}
	});
});
