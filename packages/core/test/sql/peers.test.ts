// Peers and their metadata in the SQL layer, on an in-memory SQLite database: the merge rules of
// xs_peers (a zero hash or an unknown channel kind never replaces a known one), repeats in a
// batch merged before one statement touches a row, and usernames and phones that change hands
// within and across batches, read back through the lookup statements.
import { describe, expect, it } from "vitest";
import { migrate } from "../../src/sql/migrate.js";
import { settleBatch } from "../../src/sql/peer-batch.js";
import { mergedBatch } from "../../src/sql/peers.js";
import { RowReader } from "../../src/sql/rows.js";
import { writePeers } from "../../src/sql/session-rows.js";
import { sqliteDialect } from "../../src/sql/sqlite-family/dialect.js";
import type { CachedPeer, PeerMeta } from "../../src/types.js";
import { memoryDriver } from "./memory-driver.js";

const rows = new RowReader("sqlite", ":memory:#s");
const meta = (usernames: string[], phone: string | null = null): PeerMeta => ({
	usernames,
	phone,
	name: null,
	updatedAt: 1,
	isMin: false,
	data: null,
});
const user = (id: bigint, hash: bigint, m?: PeerMeta): CachedPeer => ({
	kind: "user",
	id,
	accessHash: hash,
	channelKind: null,
	...(m ? { meta: m } : {}),
});

async function store() {
	const d = memoryDriver();
	await migrate(d);
	const write = (peers: CachedPeer[]) =>
		d.transaction((tx) => writePeers(tx, sqliteDialect, "s", peers, rows));
	const lookup = async (by: "byUsername" | "byPhone", value: string) => {
		const [row] = await d.all(sqliteDialect.lookups[by], ["s", value]);
		return row ? Number(row.id) : null;
	};
	return { d, write, lookup };
}

describe("SQL peers", () => {
	it("a batch without repeats is used as it is; repeats merge into the first position", () => {
		const batch = [user(1n, 5n), user(2n, 6n)];
		expect(mergedBatch(batch)).toBe(batch);
		const merged = mergedBatch([user(1n, 5n), user(2n, 6n), user(1n, 0n), user(2n, 7n)]);
		expect(merged).toEqual([user(1n, 5n), user(2n, 7n)]);
	});

	it("the merge rules hold in SQL: a zero hash and an unknown channel kind keep what is known", async () => {
		const { d, write } = await store();
		const channel: CachedPeer = {
			kind: "channel",
			id: 9n,
			accessHash: 90n,
			channelKind: "megagroup",
		};
		await write([user(1n, 10n), channel]);
		await write([user(1n, 0n), { ...channel, accessHash: 0n, channelKind: null }]);
		const stored = d.db
			.prepare("SELECT kind, id, access_hash, channel_kind FROM xs_peers ORDER BY kind")
			.all();
		expect(stored).toEqual([
			{ kind: 0, id: 1, access_hash: 10, channel_kind: null },
			{ kind: 2, id: 9, access_hash: 90, channel_kind: 1 },
		]);
	});

	it("usernames and phones change hands as if the peers were cached one by one", async () => {
		const { d, write, lookup } = await store();
		await write([user(1n, 1n, meta(["alice", "al"], "100")), user(2n, 2n, meta(["bob"]))]);
		expect(await lookup("byUsername", "al")).toBe(1);
		// bob takes "al" and alice's phone; within the batch, 3 takes "x" and then 2 takes it back
		await write([user(3n, 3n, meta(["x"])), user(2n, 2n, meta(["bob", "al", "x"], "100"))]);
		expect(await lookup("byUsername", "al")).toBe(2);
		expect(await lookup("byUsername", "x")).toBe(2);
		expect(await lookup("byPhone", "100")).toBe(2);
		expect(await lookup("byUsername", "alice")).toBe(1);
		// the losers' inline lists are rewritten
		const inline = d.db.prepare("SELECT id, usernames, phone FROM xs_peer_meta ORDER BY id").all();
		expect(inline).toEqual([
			{ id: 1, usernames: "alice", phone: null },
			{ id: 2, usernames: "bob\nal\nx", phone: "100" }, // as given (the backend normalizes first)
			{ id: 3, usernames: null, phone: null },
		]);
	});

	it("settleBatch gives each peer its final metadata and what was claimed on the way", () => {
		const batch = settleBatch([user(1n, 1n, meta(["a"])), user(2n, 2n, meta(["a"]))], false);
		expect(batch.final.map((p) => p.meta?.usernames)).toEqual([[], ["a"]]);
		expect(batch.claimed().usernames).toEqual(new Set(["a"]));
		expect(settleBatch([user(1n, 1n)], true).final).toEqual([]);
	});
});
