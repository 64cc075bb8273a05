// How a peer batch moves usernames in SQLite: a name new to its peer is inserted where no row
// holds it, and only a name that conflicts (held by a peer outside the batch, or released by a
// peer of the batch) or that the batch claims and releases on the way is deleted first. These
// tests count the rows written through triggers and check where every name ends up.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CachedPeer, PeerMeta } from "@x/session-core";
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

async function open(): Promise<{ b: SqliteSessionBackend; path: string }> {
	const dir = mkdtempSync(join(tmpdir(), "xs-sqlite-claims-"));
	dirs.push(dir);
	const path = join(dir, "s.db");
	const b = await SqliteSessionBackend.open({ database: path });
	closers.push(() => b.close());
	return { b, path };
}

type Counts = Record<"xs_peers" | "xs_peer_meta" | "xs_usernames", number>;

/** Counts the rows SQLite inserts, updates or deletes in each peer table, by trigger. */
function countWrites(path: string): () => Counts {
	const db = new Database(path);
	closers.push(() => void db.close());
	db.exec("CREATE TABLE writes (tbl TEXT PRIMARY KEY, n INTEGER NOT NULL)");
	for (const table of ["xs_peers", "xs_peer_meta", "xs_usernames"]) {
		db.prepare("INSERT INTO writes VALUES (?, 0)").run(table);
		for (const event of ["INSERT", "UPDATE", "DELETE"])
			db.exec(
				`CREATE TRIGGER count_${table}_${event} AFTER ${event} ON ${table}
				BEGIN UPDATE writes SET n = n + 1 WHERE tbl = '${table}'; END`,
			);
	}
	return () => {
		const rows = db.prepare("SELECT tbl, n FROM writes").all() as { tbl: string; n: number }[];
		db.prepare("UPDATE writes SET n = 0").run();
		return Object.fromEntries(rows.map((r) => [r.tbl, r.n])) as Counts;
	};
}

/** The username index as `name → kind:id`, straight from the table. */
function usernameIndex(path: string): Map<string, string> {
	const db = new Database(path, { readonly: true });
	try {
		const rows = db
			.prepare("SELECT username, kind, id FROM xs_usernames ORDER BY username")
			.all() as { username: string; kind: number; id: number }[];
		return new Map(rows.map((r) => [r.username, `${r.kind}:${r.id}`]));
	} finally {
		db.close();
	}
}

function meta(usernames: string[], phone: string | null = null, over: Partial<PeerMeta> = {}) {
	return {
		usernames,
		phone,
		name: null,
		updatedAt: 1_790_000_000_000,
		isMin: false,
		data: null,
		...over,
	} satisfies PeerMeta;
}

function user(id: number, m: PeerMeta): CachedPeer {
	return { ...testPeer("user", BigInt(id), BigInt(id) * 3n + 1n), meta: m };
}

/** `n` fresh users with ids from `from`, two usernames each. */
function freshUsers(from: number, n: number): CachedPeer[] {
	return Array.from({ length: n }, (_, i) =>
		user(from + i, meta([`fresh_${from + i}`, `alias_${from + i}`])),
	);
}

describe("usernames in a SQLite peer batch", () => {
	it("a batch of fresh peers writes each username row once", async () => {
		const { b, path } = await open();
		await b.cachePeers([user(1, meta(["old_holder"], "1000"))]); // the session exists
		const writes = countWrites(path);
		const batch = freshUsers(100, 1300); // three statements' worth of names and rows
		await b.cachePeers(batch);
		expect(writes()).toEqual({ xs_peers: 1300, xs_peer_meta: 1300, xs_usernames: 2600 });
		const index = usernameIndex(path);
		expect(index.size).toBe(2601);
		expect(index.get("fresh_1299")).toBe("0:1299");
		expect((await b.findPeerByUsername("alias_700"))?.id).toBe(700n);
		// cached again as they are: nothing is written
		await b.cachePeers(batch);
		expect(writes()).toEqual({ xs_peers: 0, xs_peer_meta: 0, xs_usernames: 0 });
	});

	it("a name held outside the batch is taken from its holder, whose inline list drops it", async () => {
		const { b, path } = await open();
		await b.cachePeers([
			user(1, meta(["taken", "kept"], "1000")),
			user(2, meta(["other"], "2000")),
		]);
		const writes = countWrites(path);
		const batch = freshUsers(100, 1200);
		// in the third chunk of names, after rows of earlier chunks were written
		(batch[1100] as CachedPeer).meta = meta(["taken", "fresh_1200"]);
		await b.cachePeers(batch);
		// 2400 names inserted where free, one conflicted: its row deleted and written again;
		// the holder's metadata row rewritten once
		expect(writes()).toEqual({ xs_peers: 1200, xs_peer_meta: 1201, xs_usernames: 2401 });
		expect((await b.findPeerByUsername("taken"))?.id).toBe(1200n);
		expect((await b.getPeer("user", 1n))?.meta?.usernames).toEqual(["kept"]);
		expect((await b.getPeer("user", 2n))?.meta?.usernames).toEqual(["other"]);
		const index = usernameIndex(path);
		expect(index.get("taken")).toBe("0:1200");
		expect(index.get("kept")).toBe("0:1");
		expect([...index.values()].filter((owner) => owner === "0:1")).toEqual(["0:1"]);
	});

	it("a name claimed and released within the batch is gone from its holder outside it", async () => {
		const { b, path } = await open();
		await b.cachePeers([
			user(1, meta(["passing", "stays"], "1000")),
			user(2, meta(["relay", "two"], "2000")),
		]);
		const writes = countWrites(path);
		await b.cachePeers([
			...freshUsers(100, 600),
			user(50, meta(["passing"])), // takes it from user 1…
			user(51, meta(["relay"])), // …and this one from user 2
			...freshUsers(700, 10),
			user(50, meta(["fifty"])), // …then releases it: nobody holds it
			user(52, meta(["relay"])), // user 51 loses it to user 52
		]);
		expect(await b.findPeerByUsername("passing")).toBeNull();
		expect((await b.getPeer("user", 1n))?.meta?.usernames).toEqual(["stays"]);
		expect((await b.getPeer("user", 50n))?.meta?.usernames).toEqual(["fifty"]);
		expect((await b.findPeerByUsername("relay"))?.id).toBe(52n);
		expect((await b.getPeer("user", 51n))?.meta?.usernames).toEqual([]);
		expect((await b.getPeer("user", 2n))?.meta?.usernames).toEqual(["two"]);
		const index = usernameIndex(path);
		expect(index.has("passing")).toBe(false);
		expect(index.get("relay")).toBe("0:52");
		expect(index.get("stays")).toBe("0:1");
		// every inline list agrees with the index
		for (const id of [1n, 2n, 50n, 51n, 52n, 100n, 709n]) {
			const peer = await b.getPeer("user", id);
			for (const u of peer?.meta?.usernames ?? []) expect(index.get(u)).toBe(`0:${id}`);
		}
		// 610 fresh peers (2 names each) and user 50's last name inserted where free; "passing"
		// and "relay" deleted from their holders outside the batch, "relay" written again for
		// its final owner
		expect(writes().xs_usernames).toBe(1221 + 2 + 1);
	});

	it("a name released by one peer of the batch and claimed by another in a later chunk moves", async () => {
		const { b, path } = await open();
		const before = freshUsers(100, 1200);
		await b.cachePeers(before);
		const writes = countWrites(path);
		// user 100 (first chunk) gives up fresh_100; user 1150 (a later chunk) claims it
		const batch = freshUsers(100, 1200);
		(batch[0] as CachedPeer).meta = meta(["alias_100"]);
		(batch[1050] as CachedPeer).meta = meta(["fresh_1150", "alias_1150", "fresh_100"]);
		await b.cachePeers(batch);
		// the name's row deleted and written again; two metadata rows
		expect(writes()).toEqual({ xs_peers: 0, xs_peer_meta: 2, xs_usernames: 2 });
		expect((await b.findPeerByUsername("fresh_100"))?.id).toBe(1150n);
		expect((await b.getPeer("user", 100n))?.meta?.usernames).toEqual(["alias_100"]);
		expect((await b.getPeer("user", 1150n))?.meta?.usernames).toEqual([
			"alias_1150",
			"fresh_100",
			"fresh_1150",
		]);
		expect(usernameIndex(path).get("fresh_100")).toBe("0:1150");
	});

	it("renamed peers release their old names and claim new ones", async () => {
		const { b, path } = await open();
		await b.cachePeers(freshUsers(100, 1000));
		const writes = countWrites(path);
		await b.cachePeers(
			freshUsers(100, 700).map((p) => ({
				...p,
				meta: { ...(p.meta as PeerMeta), usernames: [`renamed_${p.id}`, `alias_${p.id}`] },
			})),
		);
		// each: the old name deleted, the new one inserted, the metadata row rewritten
		expect(writes()).toEqual({ xs_peers: 0, xs_peer_meta: 700, xs_usernames: 1400 });
		const index = usernameIndex(path);
		expect(index.size).toBe(2000);
		expect(index.has("fresh_100")).toBe(false);
		expect(index.get("renamed_799")).toBe("0:799");
		expect(index.get("fresh_800")).toBe("0:800");
	});
});
