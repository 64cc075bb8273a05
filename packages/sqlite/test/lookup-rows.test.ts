// What the SQLite lookups (getPeer, findPeerByUsername, findPeerByPhone) return, and how they fail
// on a row they cannot read: at once (the synchronous read) and queued behind a write, a bad row
// is a CorruptSessionError naming the backend and the column, never a peer with a wrong field.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CachedPeer, CorruptSessionError } from "@x/session-core";
import { testPeer } from "@x/session-core/testing";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteSessionBackend } from "../src/index.js";

const dirs: string[] = [];
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
	for (const close of closers.splice(0).reverse()) await close();
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(): Promise<{ b: SqliteSessionBackend; db: Database.Database }> {
	const dir = mkdtempSync(join(tmpdir(), "xs-sqlite-lookups-"));
	dirs.push(dir);
	const path = join(dir, "s.db");
	const b = await SqliteSessionBackend.open({ database: path });
	closers.push(() => b.close());
	await b.cachePeers(peers());
	const db = new Database(path);
	closers.push(() => void db.close());
	return { b, db };
}

const block = new Uint8Array(64).map((_, i) => i);

function peers(): CachedPeer[] {
	return [
		{
			...testPeer("channel", 7n, -(2n ** 63n), "megagroup"),
			meta: {
				usernames: ["zeta", "Alpha", "mid"],
				phone: null,
				name: "Group ✓",
				updatedAt: Number.MAX_SAFE_INTEGER,
				isMin: true,
				data: block.subarray(10, 20), // a view into a larger buffer: its own bytes only
			},
		},
		{
			...testPeer("user", 2n ** 63n - 1n, 5n),
			meta: {
				usernames: ["solo"],
				phone: "+1 555 0100",
				name: null,
				updatedAt: 0,
				isMin: false,
				data: null,
			},
		},
		{
			...testPeer("user", 3n, 9n),
			meta: { usernames: [], phone: null, name: null, updatedAt: 5, isMin: false, data: null },
		},
		testPeer("chat", 4n, 0n),
	];
}

/** Each lookup once at once (idle) and once queued behind a write. */
async function bothWays(
	b: SqliteSessionBackend,
	lookup: () => Promise<CachedPeer | null>,
): Promise<[CachedPeer | null | Error, CachedPeer | null | Error]> {
	const now = await lookup().catch((e: Error) => e);
	const write = b.setExtension("x:queued", new Uint8Array([1]));
	const queued = await lookup().catch((e: Error) => e);
	await write;
	return [now, queued];
}

describe("SQLite lookups", () => {
	it("return the stored peer with its metadata, read at once or queued", async () => {
		const { b } = await open();
		for (const [lookup, want] of [
			[() => b.findPeerByUsername("@MID"), peers()[0]],
			[() => b.getPeer("channel", 7n), peers()[0]],
			[() => b.findPeerByPhone("15550100"), peers()[1]],
			[() => b.getPeer("user", 3n), peers()[2]],
			[() => b.getPeer("chat", 4n), peers()[3]],
		] as const) {
			for (const got of await bothWays(b, lookup)) {
				const m = want?.meta;
				expect(got).toEqual({
					...want,
					...(m && {
						meta: {
							...m,
							usernames: m.usernames.map((u) => u.toLowerCase()).sort(),
							phone: m.phone === null ? null : m.phone.replace(/\D/g, ""),
							data: m.data && new Uint8Array(m.data),
						},
					}),
				});
			}
		}
		const [channel] = await bothWays(b, () => b.getPeer("channel", 7n));
		expect((channel as CachedPeer).meta?.data).toEqual(
			new Uint8Array([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]),
		);
		expect(await b.getPeer("user", 99n)).toBeNull();
		expect(await b.findPeerByUsername("nobody")).toBeNull();
		expect(await b.findPeerByPhone("1")).toBeNull();
	});

	it.each([
		["xs_peers", "access_hash", "'abc'", /column access_hash holds an invalid value \(string\)/],
		["xs_peers", "channel_kind", "9", /unknown channel kind 9/],
		["xs_peers", "channel_kind", "300", /column channel_kind holds an invalid value \(300\)/],
		["xs_peers", "channel_kind", "1.5", /column channel_kind holds an invalid value \(1\.5\)/],
		["xs_peer_meta", "updated_at", "-1", /column updated_at holds an invalid value \(-1\)/],
		["xs_peer_meta", "updated_at", "9007199254740992", /updated_at holds an invalid value/],
		["xs_peer_meta", "is_min", "'yes'", /column is_min holds an invalid value \(string\)/],
		["xs_peer_meta", "data", "'text'", /column data holds an invalid value \(string\)/],
		["xs_peer_meta", "usernames", "X'0a'", /column usernames holds an invalid value \(object\)/],
		["xs_peer_meta", "name", "X'00'", /column name holds an invalid value \(object\)/],
		["xs_peer_meta", "phone", "X'05'", /column phone holds an invalid value \(object\)/],
	])("a bad %s.%s (%s) is CorruptSessionError naming it", async (table, column, value, message) => {
		const { b, db } = await open();
		db.prepare(`UPDATE ${table} SET ${column} = ${value} WHERE kind = 2 AND id = 7`).run();
		for (const lookup of [() => b.findPeerByUsername("zeta"), () => b.getPeer("channel", 7n)])
			for (const got of await bothWays(b, lookup)) {
				expect(got).toBeInstanceOf(CorruptSessionError);
				expect((got as CorruptSessionError).backend).toBe("sqlite");
				expect((got as Error).message).toMatch(message);
			}
	});

	it("an unknown peer kind is CorruptSessionError naming it", async () => {
		const { b, db } = await open();
		for (const table of ["xs_peers", "xs_peer_meta", "xs_usernames"])
			db.prepare(`UPDATE ${table} SET kind = 7 WHERE kind = 0 AND id = 9223372036854775807`).run();
		for (const lookup of [() => b.findPeerByUsername("solo"), () => b.findPeerByPhone("15550100")])
			for (const got of await bothWays(b, lookup)) {
				expect(got).toBeInstanceOf(CorruptSessionError);
				expect((got as Error).message).toMatch(/unknown peer kind 7/);
			}
		db.prepare("UPDATE xs_peers SET kind = 256 WHERE kind = 7").run();
		db.prepare("UPDATE xs_peer_meta SET kind = 256 WHERE kind = 7").run();
		db.prepare("UPDATE xs_usernames SET kind = 256 WHERE kind = 7").run();
		for (const got of await bothWays(b, () => b.findPeerByUsername("solo")))
			expect((got as Error).message).toMatch(/column kind holds an invalid value \(256\)/);
	});
});
