import { createHash } from "node:crypto";
import {
	existsSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	statSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CorruptSessionError, isSessionError, SessionLockedError } from "@x/session-core";
import { MIGRATIONS, openSqlSession, SCHEMA_VERSION } from "@x/session-core/sql";
import {
	assertSameSession,
	sampleSession,
	sessionWithExtensions,
	testAuthKey,
	testPeer,
} from "@x/session-core/testing";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startChild } from "../../core/test/child-process.js";
import { referenceDdl } from "../../core/test/sql/reference-database.js";
import {
	deleteSqliteSession,
	listSqliteSessions,
	SqliteSessionBackend,
	sqliteDriver,
} from "../src/index.js";

const dirs: string[] = [];
afterEach(() => {
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dbPath(): string {
	const dir = mkdtempSync(join(tmpdir(), "xs-sqlite-"));
	dirs.push(dir);
	return join(dir, "s.db");
}
const mode = (p: string) => statSync(p).mode & 0o777;
/** A better-sqlite3 connection on a file created 0600 (as a careful user would). */
function rawDb(path: string): Database.Database {
	writeFileSync(path, "", { mode: 0o600, flag: "a" });
	return new Database(path);
}

function referenceDatabase(path: string, legacy: boolean): void {
	const db = rawDb(path);
	db.exec(referenceDdl(legacy));
	db.prepare("INSERT INTO meta VALUES ('home_dc_id', 2)").run();
	db.prepare("INSERT INTO meta VALUES ('future_auth_token', ?)").run(Buffer.from([1, 2, 3]));
	db.prepare("INSERT INTO dcs VALUES (2, 0, '149.154.167.51:443', ?, -5, 3)").run(
		Buffer.from(testAuthKey(1).expose()),
	);
	db.prepare("INSERT INTO dcs VALUES (2, 1, '[2001:67c:4e8:f002::a]:443', NULL, 0, 0)").run();
	db.prepare("INSERT INTO update_state VALUES (1, 100, 7, 1700000000, 9)").run();
	db.prepare("INSERT INTO channel_pts VALUES (1500000001, 42)").run();
	db.prepare(
		"INSERT INTO peers (id, access_hash, is_channel) VALUES (9223372036854775807, -9223372036854775808, 0)",
	).run();
	db.prepare("INSERT INTO peers (id, access_hash, is_channel) VALUES (77, 770, 1)").run();
	if (!legacy) {
		db.prepare(
			"INSERT INTO peers (id, access_hash, is_channel, is_chat) VALUES (5, 0, 0, 1)",
		).run();
		db.prepare(
			"INSERT INTO peers (id, access_hash, is_channel, channel_kind) VALUES (78, 780, 1, 1)",
		).run();
		db.prepare("INSERT INTO peers (id, access_hash, is_community) VALUES (79, 790, 1)").run();
		db.prepare("INSERT INTO min_peers VALUES (11, 12, 13)").run();
	}
	db.close();
}

describe("ferogram and layer databases", () => {
	for (const legacy of [false, true]) {
		it(`imports a ${legacy ? "layer-era (no is_chat, channel_kind, is_community, min_peers)" : "ferogram"} database in place, after a 0600 backup`, async () => {
			const path = dbPath();
			referenceDatabase(path, legacy);
			const b = await SqliteSessionBackend.open({ database: path, migrateForeign: true });
			const s = await b.load();
			await b.close();
			expect(s?.homeDcId).toBe(2);
			expect(s?.futureAuthToken?.expose()).toEqual(new Uint8Array([1, 2, 3]));
			expect(s?.dcs).toHaveLength(2);
			expect(s?.dcs.find((d) => d.flags === 0)?.authKey?.equals(testAuthKey(1))).toBe(true);
			expect(s?.updatesState).toEqual({
				pts: 100,
				qts: 7,
				date: 1700000000,
				seq: 9,
				channels: [{ channelId: 1500000001n, pts: 42 }],
			});
			const peers = Object.fromEntries((s?.peers ?? []).map((p) => [`${p.kind}:${p.id}`, p]));
			expect(peers["user:9223372036854775807"]?.accessHash).toBe(-9223372036854775808n);
			expect(peers["channel:77"]?.accessHash).toBe(770n);
			if (!legacy) {
				expect(peers["chat:5"]).toBeDefined();
				expect(peers["channel:78"]?.channelKind).toBe("megagroup");
				expect(peers["community:79"]?.accessHash).toBe(790n);
				expect(s?.minPeers).toEqual([{ userId: 11n, peerId: 12n, msgId: 13 }]);
			}
			const backup = readdirSync(join(path, "..")).find((n) => n.includes("ferogram-backup"));
			expect(backup).toBeDefined();
			expect(mode(join(path, "..", backup as string))).toBe(0o600);
			const old = new Database(join(path, "..", backup as string), { readonly: true });
			expect((old.prepare("SELECT COUNT(*) AS n FROM peers").get() as { n: number }).n).toBe(
				legacy ? 2 : 5,
			);
			old.close();
			const upgraded = new Database(path, { readonly: true });
			expect(upgraded.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
			expect(
				upgraded.prepare("SELECT name FROM sqlite_master WHERE name = 'meta'").get(),
			).toBeUndefined();
			upgraded.close();
		});
	}

	it("imports a ferogram libSQL-shaped database (channel_kind and is_community, no is_chat)", async () => {
		const path = dbPath();
		const db = rawDb(path);
		db.exec(`
			CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL DEFAULT 0);
			CREATE TABLE dcs (dc_id INTEGER NOT NULL, flags INTEGER NOT NULL DEFAULT 0, addr TEXT NOT NULL, auth_key BLOB,
				first_salt INTEGER NOT NULL DEFAULT 0, time_offset INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (dc_id, flags));
			CREATE TABLE peers (id INTEGER PRIMARY KEY, access_hash INTEGER NOT NULL, is_channel INTEGER NOT NULL DEFAULT 0,
				channel_kind INTEGER, is_community INTEGER NOT NULL DEFAULT 0);
			INSERT INTO meta VALUES ('home_dc_id', 4);
			INSERT INTO peers VALUES (1, 10, 1, 2, 0), (2, 20, 0, NULL, 1), (3, 30, 0, NULL, 0);
		`);
		db.close();
		const b = await SqliteSessionBackend.open({ database: path, migrateForeign: true });
		const s = await b.load();
		await b.close();
		expect(s?.homeDcId).toBe(4);
		expect(s?.peers.map((p) => [p.kind, p.id, p.accessHash, p.channelKind])).toEqual(
			expect.arrayContaining([
				["channel", 1n, 10n, "gigagroup"],
				["community", 2n, 20n, null],
				["user", 3n, 30n, null],
			]),
		);
		expect(s?.peers).toHaveLength(3);
	});

	it("a reference database that was never saved (empty meta) imports no session", async () => {
		const path = dbPath();
		const db = rawDb(path);
		db.exec(referenceDdl(false));
		db.close();
		const b = await SqliteSessionBackend.open({ database: path, migrateForeign: true });
		expect(await b.load()).toBeNull();
		await b.setHomeDc(3);
		expect((await b.load())?.homeDcId).toBe(3);
		await b.close();
		expect(await listSqliteSessions(path)).toEqual(["default"]);
		const upgraded = new Database(path, { readonly: true });
		expect(upgraded.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
		expect(
			upgraded.prepare("SELECT name FROM sqlite_master WHERE name = 'meta'").get(),
		).toBeUndefined();
		upgraded.close();
		expect(readdirSync(join(path, "..")).some((n) => n.includes("ferogram-backup"))).toBe(true);
	});

	it("a reference peer flag that is not an integer is a typed error", async () => {
		const path = dbPath();
		referenceDatabase(path, false);
		const db = new Database(path);
		db.prepare("UPDATE peers SET is_chat = 'yes' WHERE id = 5").run();
		db.close();
		await expect(
			SqliteSessionBackend.open({ database: path, migrateForeign: true }),
		).rejects.toBeInstanceOf(CorruptSessionError);
	});

	it("a reference row it cannot read is a typed error and leaves the database as it was", async () => {
		const path = dbPath();
		referenceDatabase(path, false);
		const db = new Database(path);
		db.prepare("UPDATE dcs SET auth_key = ? WHERE flags = 0").run(Buffer.alloc(100));
		db.close();
		await expect(
			SqliteSessionBackend.open({ database: path, migrateForeign: true }),
		).rejects.toSatisfy(
			(e) =>
				e instanceof CorruptSessionError &&
				/auth key of DC 2 is 100 bytes/.test((e as Error).message),
		);
		const after = new Database(path, { readonly: true });
		expect(after.prepare("SELECT COUNT(*) AS n FROM peers").get()).toEqual({ n: 5 });
		expect(after.pragma("user_version", { simple: true })).toBe(0);
		after.close();
	});
});

describe("readOnly and migrateForeign", () => {
	const snapshot = (dir: string) =>
		readdirSync(dir)
			.sort()
			.map(
				(n) =>
					`${n}:${createHash("sha256")
						.update(readFileSync(join(dir, n)))
						.digest("hex")}`,
			);

	it("a ferogram database is refused without migrateForeign, and left as it was", async () => {
		const path = dbPath();
		referenceDatabase(path, false);
		const before = snapshot(join(path, ".."));
		await expect(SqliteSessionBackend.open({ database: path })).rejects.toSatisfy(
			(e) =>
				isSessionError(e, "UNSUPPORTED") &&
				/ferogram\/layer database.*migrateForeign: true/.test((e as Error).message),
		);
		// a refusal changes no byte: not even the journal mode
		expect(snapshot(join(path, ".."))).toEqual(before);
		const after = new Database(path, { readonly: true });
		const tables = after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all();
		expect(tables.map((t) => (t as { name: string }).name).sort()).toEqual([
			"channel_pts",
			"dcs",
			"meta",
			"min_peers",
			"peers",
			"update_state",
		]);
		expect(after.prepare("SELECT COUNT(*) AS n FROM peers").get()).toEqual({ n: 5 });
		after.close();
		expect(before).toHaveLength(1);
	});

	it("readOnly reads a ferogram database in memory: no import, no backup, no file changed", async () => {
		const path = dbPath();
		referenceDatabase(path, false);
		const before = snapshot(join(path, ".."));
		const b = await SqliteSessionBackend.open({ database: path, readOnly: true });
		const s = await b.load();
		expect(s?.homeDcId).toBe(2);
		expect(s?.peers).toHaveLength(5);
		await expect(b.setHomeDc(3)).rejects.toSatisfy((e) => isSessionError(e, "UNSUPPORTED"));
		await b.close();
		const other = await SqliteSessionBackend.open({
			database: path,
			readOnly: true,
			sessionId: "x",
		});
		expect(await other.load()).toBeNull();
		await other.close();
		expect(await listSqliteSessions(path)).toEqual(["default"]);
		expect(snapshot(join(path, ".."))).toEqual(before);
	});

	it("readOnly on a WAL database of ours: no lease row, no -wal/-shm left, writes refused", async () => {
		const path = dbPath();
		const w = await SqliteSessionBackend.open({ database: path, sessionId: "a" });
		await w.save(sampleSession());
		await w.close();
		const before = snapshot(join(path, ".."));
		const b = await SqliteSessionBackend.open({ database: path, sessionId: "a", readOnly: true });
		assertSameSession(await b.load(), sampleSession());
		await expect(b.save(sampleSession())).rejects.toSatisfy((e) =>
			isSessionError(e, "UNSUPPORTED"),
		);
		await b.close();
		expect(await listSqliteSessions(path)).toEqual(["a"]);
		expect(snapshot(join(path, ".."))).toEqual(before);
	});

	it("readOnly on a database without our tables (a Telethon file) loads null and creates nothing", async () => {
		const path = dbPath();
		const db = rawDb(path);
		db.exec(
			"CREATE TABLE sessions (dc_id INTEGER PRIMARY KEY); CREATE TABLE entities (id INTEGER)",
		);
		db.close();
		const before = snapshot(join(path, ".."));
		const b = await SqliteSessionBackend.open({ database: path, readOnly: true });
		expect(await b.load()).toBeNull();
		await b.close();
		expect(await listSqliteSessions(path)).toEqual([]);
		expect(snapshot(join(path, ".."))).toEqual(before);
		await expect(
			SqliteSessionBackend.open({ database: join(path, "..", "missing.db"), readOnly: true }),
		).rejects.toSatisfy(
			(e) => isSessionError(e, "IO") && /creates nothing/.test((e as Error).message),
		);
		expect(existsSync(join(path, "..", "missing.db"))).toBe(false);
	});
});

describe("client metadata tables beside the reference's", () => {
	it("the reference's DDL still runs on a database with our metadata tables, and both keep working", async () => {
		const path = dbPath();
		const b = await SqliteSessionBackend.open({ database: path });
		const session = sessionWithExtensions(6);
		await b.save(session);
		await b.close();
		// what ferogram's SqliteBackend runs on open, then a write of its own
		const db = new Database(path);
		db.pragma("journal_mode = WAL");
		db.exec(referenceDdl(false));
		db.prepare("INSERT OR REPLACE INTO meta VALUES ('home_dc_id', 4)").run();
		expect(db.prepare("SELECT value FROM meta WHERE key = 'home_dc_id'").get()).toEqual({
			value: 4,
		});
		db.close();
		const again = await SqliteSessionBackend.open({ database: path });
		assertSameSession(await again.load(), session);
		expect((await again.findPeerByUsername("user_600"))?.id).toBe(session.peers[0]?.id);
		await again.close();
	});
});

describe("peer batches write only what changed", () => {
	/** Counts the rows SQLite inserts, updates or deletes in the peer tables, by trigger. */
	function countWrites(path: string): () => number {
		const db = new Database(path);
		db.exec("CREATE TABLE writes (n INTEGER NOT NULL); INSERT INTO writes VALUES (0)");
		for (const table of ["xs_peers", "xs_peer_meta", "xs_usernames"])
			for (const event of ["INSERT", "UPDATE", "DELETE"])
				db.exec(
					`CREATE TRIGGER count_${table}_${event} AFTER ${event} ON ${table} BEGIN UPDATE writes SET n = n + 1; END`,
				);
		return () => {
			const { n } = db.prepare("SELECT n FROM writes").get() as { n: number };
			db.prepare("UPDATE writes SET n = 0").run();
			return n;
		};
	}
	const peers = (n: number, name = (i: number) => `User ${i}`) =>
		Array.from({ length: n }, (_, i) => ({
			...testPeer("user", BigInt(i + 1), BigInt(i + 100)),
			meta: {
				usernames: [`user_${i}`, `alt_${i}`],
				phone: `1555${i}`,
				name: name(i),
				updatedAt: 1_790_000_000_000,
				isMin: false,
				data: new Uint8Array([i & 0xff, 1, 2]),
			},
		}));

	it("caching peers as they are stored writes no row; a changed name writes one", async () => {
		const path = dbPath();
		const b = await SqliteSessionBackend.open({ database: path });
		await b.cachePeers(peers(1200));
		const writes = countWrites(path);
		await b.cachePeers(peers(1200));
		expect(writes()).toBe(0);
		// same usernames in another order and case: the same metadata
		const shuffled = peers(1200).map((p) => ({
			...p,
			meta: { ...p.meta, usernames: [...p.meta.usernames].reverse().map((u) => u.toUpperCase()) },
		}));
		await b.cachePeers(shuffled);
		expect(writes()).toBe(0);
		await b.cachePeers(peers(1200, (i) => (i === 700 ? "Renamed" : `User ${i}`)));
		expect(writes()).toBe(1);
		expect((await b.findPeerByUsername("alt_700"))?.meta?.name).toBe("Renamed");
		await b.close();
	});

	it("a username moving to another peer rewrites only the two peers and the one username", async () => {
		const path = dbPath();
		const b = await SqliteSessionBackend.open({ database: path });
		await b.cachePeers(peers(10));
		const writes = countWrites(path);
		const [, second] = peers(10);
		await b.cachePeers([
			{ ...testPeer("channel", 1n, 5n), meta: { ...second?.meta, usernames: ["user_3"] } as never },
		]);
		// the channel's peer row, its metadata row, the username row deleted and written again,
		// and the user that lost it (its metadata row); the phone moved with one update
		expect(writes()).toBe(6);
		expect((await b.findPeerByUsername("user_3"))?.kind).toBe("channel");
		expect((await b.getPeer("user", 4n))?.meta?.usernames).toEqual(["alt_3"]);
		expect((await b.findPeerByPhone("15551"))?.kind).toBe("channel");
		expect((await b.getPeer("user", 2n))?.meta?.phone).toBeNull();
		await b.close();
	});
});

describe("schema", () => {
	it("migrates forward from every earlier version without losing data", async () => {
		for (let start = 1; start < SCHEMA_VERSION; start++) {
			const path = dbPath();
			const db = rawDb(path);
			for (let v = 0; v < start; v++) for (const sql of MIGRATIONS[v] ?? []) db.exec(sql);
			db.pragma(`user_version = ${start}`);
			db.prepare(
				"INSERT INTO xs_sessions (session_id, home_dc_id, pts) VALUES ('old', 4, 55)",
			).run();
			db.prepare("INSERT INTO xs_peers VALUES ('old', 2, 10, 100, 0)").run();
			db.close();
			const b = await SqliteSessionBackend.open({ database: path, sessionId: "old" });
			const s = await b.load();
			expect(s?.homeDcId).toBe(4);
			expect(s?.updatesState.pts).toBe(55);
			expect(s?.peers).toEqual([testPeer("channel", 10n, 100n, "broadcast")]);
			await b.close();
		}
	});

	it("a database from a newer version is refused, not touched", async () => {
		const path = dbPath();
		const db = rawDb(path);
		db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
		db.close();
		await expect(SqliteSessionBackend.open({ database: path })).rejects.toSatisfy((e) =>
			isSessionError(e, "UNSUPPORTED_VERSION"),
		);
	});

	it("creates the database and its WAL files 0600, and refuses a world-readable one", async () => {
		const path = dbPath();
		const b = await SqliteSessionBackend.open({ database: path });
		await b.save(sampleSession());
		for (const f of readdirSync(join(path, ".."))) expect(mode(join(path, "..", f)), f).toBe(0o600);
		await b.close();
		const other = dbPath();
		writeFileSync(other, "", { mode: 0o644 });
		await expect(SqliteSessionBackend.open({ database: other })).rejects.toThrow(/0644/);
	});

	it("a file that is not a database is CorruptSessionError naming the path", async () => {
		const path = dbPath();
		writeFileSync(path, Buffer.alloc(4096, 7), { mode: 0o600 });
		const error = await SqliteSessionBackend.open({ database: path }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(CorruptSessionError);
		expect((error as Error).message).toContain(path);
	});
});

describe("transactions", () => {
	it("a save that fails midway rolls back: the previous state is intact and the database usable", async () => {
		const path = dbPath();
		const b = await SqliteSessionBackend.open({ database: path });
		await b.save(sampleSession(1));
		const spy = new Database(path);
		spy.exec(
			"CREATE TRIGGER fail AFTER INSERT ON xs_min_peers BEGIN SELECT RAISE(ABORT, 'injected'); END",
		);
		spy.close();
		await expect(b.save(sampleSession(2))).rejects.toSatisfy((e) => isSessionError(e, "IO"));
		assertSameSession(await b.load(), sampleSession(1));
		const fix = new Database(path);
		fix.exec("DROP TRIGGER fail");
		fix.close();
		await b.save(sampleSession(3));
		assertSameSession(await b.load(), sampleSession(3));
		await b.close();
	});

	it("many accounts in one file, listed and deleted; an open one cannot be deleted", async () => {
		const path = dbPath();
		const a = await SqliteSessionBackend.open({ database: path, sessionId: "alice" });
		const c = await SqliteSessionBackend.open({ database: path, sessionId: "carol" });
		await a.save(sampleSession(1));
		await c.save(sampleSession(2));
		expect(await SqliteSessionBackend.listSessions(path)).toEqual(["alice", "carol"]);
		await expect(SqliteSessionBackend.deleteSession(path, "alice")).rejects.toBeInstanceOf(
			SessionLockedError,
		);
		await a.close();
		expect(await SqliteSessionBackend.deleteSession(path, "alice")).toBe(true);
		expect(await SqliteSessionBackend.deleteSession(path, "alice")).toBe(false);
		expect(await SqliteSessionBackend.listSessions(path)).toEqual(["carol"]);
		assertSameSession(await c.load(), sampleSession(2));
		await c.close();
		// The standalone functions, on an open Database that they must leave open.
		const db = new Database(path);
		expect(await listSqliteSessions(db)).toEqual(["carol"]);
		expect(await deleteSqliteSession(db, "carol")).toBe(true);
		expect(await listSqliteSessions(db)).toEqual([]);
		expect(db.open).toBe(true);
		db.close();
	});
});

describe("lookups that share one read transaction per turn of the event loop", () => {
	const turn = () => new Promise((resolve) => setImmediate(resolve));
	const user = (id: bigint, accessHash: bigint, username: string) => ({
		...testPeer("user", id, accessHash),
		meta: {
			usernames: [username],
			phone: null,
			name: null,
			updatedAt: 1,
			isMin: false,
			data: null,
		},
	});

	it("see another connection's commit once the loop turns, and never block its checkpoint", async () => {
		const path = dbPath();
		const b = await SqliteSessionBackend.open({ database: path });
		await b.cachePeers([user(1n, 10n, "first")]);
		// a fresh turn: past a few ms of database work in one turn a lookup is queued instead
		await turn();
		expect((await b.getPeer("user", 1n))?.accessHash).toBe(10n);
		const other = new Database(path);
		other.pragma("busy_timeout = 0");
		other.prepare("UPDATE xs_peers SET access_hash = 11 WHERE id = 1").run();
		// same turn: the snapshot taken by the first lookup
		expect((await b.getPeer("user", 1n))?.accessHash).toBe(10n);
		await turn();
		expect((await b.getPeer("user", 1n))?.accessHash).toBe(11n);
		await turn();
		const [checkpoint] = other.pragma("wal_checkpoint(TRUNCATE)") as { busy: number }[];
		expect(checkpoint?.busy).toBe(0);
		other.close();
		await b.close();
	});

	it("a write right after a lookup in the same turn ends the read first; later lookups see it", async () => {
		const b = await SqliteSessionBackend.open({ database: dbPath() });
		await b.cachePeers([user(1n, 10n, "first")]);
		expect((await b.findPeerByUsername("first"))?.id).toBe(1n);
		await b.cachePeers([user(2n, 20n, "first")]);
		expect((await b.findPeerByUsername("first"))?.id).toBe(2n);
		await b.applyUpdateState({ type: "primary", pts: 5, date: 6, seq: 7 });
		expect((await b.getPeer("user", 2n))?.meta?.usernames).toEqual(["first"]);
		expect((await b.load())?.updatesState.pts).toBe(5);
		await b.close();
	});

	it("on a caller's own Database no read transaction is left open", async () => {
		const path = dbPath();
		const db = rawDb(path);
		const b = await SqliteSessionBackend.open({ database: db });
		await b.cachePeers([user(1n, 10n, "first")]);
		expect((await b.getPeer("user", 1n))?.id).toBe(1n);
		expect(db.inTransaction).toBe(false);
		db.exec("BEGIN IMMEDIATE; COMMIT");
		await b.close();
		db.close();
	});
});

describe("the memory map", () => {
	const mmapOf = async (driver: ReturnType<typeof sqliteDriver>) => {
		const [row] = await driver.all("PRAGMA mmap_size");
		await driver.close?.();
		return Number(row?.mmap_size);
	};

	it("maps 256 MiB of a file the driver opens, mmapSize changes it, 0 turns it off", async () => {
		expect(await mmapOf(sqliteDriver(dbPath()))).toBe(256 * 1024 * 1024);
		expect(await mmapOf(sqliteDriver(dbPath(), { mmapSize: 1 << 20 }))).toBe(1 << 20);
		expect(await mmapOf(sqliteDriver(dbPath(), { mmapSize: 0 }))).toBe(0);
	});

	it("leaves a caller's own Database as it was, and rejects a size that is no byte count", async () => {
		const db = rawDb(dbPath());
		const before = db.pragma("mmap_size", { simple: true });
		expect(await mmapOf(sqliteDriver(db))).toBe(before);
		db.close();
		for (const mmapSize of [-1, 1.5, Number.NaN]) {
			const path = dbPath();
			expect(() => sqliteDriver(path, { mmapSize })).toThrow(
				/sqlite.*mmapSize must be a byte count/s,
			);
			expect(existsSync(path)).toBe(false); // nothing created
		}
	});

	it("sets the busy timeout at open, and rejects one that is no whole number of ms", async () => {
		const d = sqliteDriver({ database: dbPath(), busyTimeout: 1234 });
		expect((await d.all("PRAGMA busy_timeout"))[0]?.timeout).toBe(1234n);
		await d.close?.();
		for (const busyTimeout of [-1, 1.5, Number.NaN]) {
			const path = dbPath();
			expect(() => sqliteDriver({ database: path, busyTimeout })).toThrow(
				/sqlite.*busyTimeout must be a whole number/s,
			);
			expect(existsSync(path)).toBe(false); // nothing created
		}
	});

	it("takes and releases the lease with synchronous NORMAL and leaves the connection FULL", async () => {
		const path = dbPath();
		const d = sqliteDriver({ database: path });
		const b = await openSqlSession(d, { sessionId: "a" });
		expect((await d.all("PRAGMA synchronous"))[0]?.synchronous).toBe(2n); // FULL
		const other = rawDb(path);
		// the lease, committed without an fsync, is seen by another connection at once
		expect(other.prepare("SELECT count(*) AS n FROM xs_leases").get()).toEqual({ n: 1 });
		await b.save(sampleSession());
		await b.close();
		expect(other.prepare("SELECT count(*) AS n FROM xs_leases").get()).toEqual({ n: 0 });
		other.close();
	});

	it("reads what another connection commits to pages already mapped", async () => {
		const path = dbPath();
		const b = await SqliteSessionBackend.open({ database: path });
		const peers = Array.from({ length: 2000 }, (_, i) =>
			testPeer("user", BigInt(i + 1), BigInt(i + 1)),
		);
		await b.cachePeers(peers);
		expect((await b.getPeer("user", 1500n))?.accessHash).toBe(1500n);
		await new Promise((resolve) => setImmediate(resolve)); // the lookup's read ends
		const other = new Database(path);
		other.pragma("busy_timeout = 0");
		other.prepare("UPDATE xs_peers SET access_hash = -7 WHERE id = 1500").run();
		// the new page goes into the mapped file itself
		expect(other.pragma("wal_checkpoint(TRUNCATE)")).toEqual([
			{ busy: 0, log: 0, checkpointed: 0 },
		]);
		other.close();
		await new Promise((resolve) => setImmediate(resolve));
		expect((await b.getPeer("user", 1500n))?.accessHash).toBe(-7n);
		await b.close();
	});
});

describe("leases between processes", () => {
	it("a second process gets LOCKED naming the holder; a killed holder's lease is taken over", async () => {
		const path = dbPath();
		const { child } = await startChild(
			join(import.meta.dirname, "child", "holder.ts"),
			[path, "bot"],
			"holding",
		);
		const error = await SqliteSessionBackend.open({ database: path, sessionId: "bot" }).catch(
			(e: unknown) => e,
		);
		expect(error).toBeInstanceOf(SessionLockedError);
		expect((error as SessionLockedError).holder?.pid).toBe(child.pid);
		const other = await SqliteSessionBackend.open({ database: path, sessionId: "other" });
		await other.setHomeDc(3);
		expect((await other.load())?.homeDcId).toBe(3);
		await other.close();
		child.kill("SIGKILL");
		await new Promise((r) => child.once("exit", r));
		const b = await SqliteSessionBackend.open({ database: path, sessionId: "bot" });
		expect((await b.load())?.homeDcId).toBe(2);
		await b.close();
	}, 30_000);

	it("a lease of another host is honoured until it expires, then taken over", async () => {
		const path = dbPath();
		await (
			await SqliteSessionBackend.open({ database: path, sessionId: "s", lock: false })
		).close();
		const db = new Database(path);
		const steal = db.prepare(
			"INSERT OR REPLACE INTO xs_leases (session_id, owner, pid, host, expires_at) VALUES ('s', 'far', 1, 'elsewhere', ?)",
		);
		steal.run(Date.now() + 60_000);
		const error = await SqliteSessionBackend.open({ database: path, sessionId: "s" }).catch(
			(e: unknown) => e,
		);
		expect(error).toBeInstanceOf(SessionLockedError);
		expect((error as SessionLockedError).holder).toMatchObject({ pid: 1, host: "elsewhere" });
		// lock: false opens it anyway
		await (
			await SqliteSessionBackend.open({ database: path, sessionId: "s", lock: false })
		).close();
		steal.run(Date.now() - 1);
		const b = await SqliteSessionBackend.open({ database: path, sessionId: "s" });
		await b.setHomeDc(5);
		await b.close();
		db.close();
	});

	it("a writer whose lease was taken over cannot write (fencing)", async () => {
		const path = dbPath();
		const a = await SqliteSessionBackend.open({ database: path, sessionId: "s", leaseTtlMs: 1000 });
		await a.setHomeDc(1);
		const db = new Database(path);
		db.prepare("UPDATE xs_leases SET owner = 'thief', expires_at = ? WHERE session_id = 's'").run(
			Date.now() + 60_000,
		);
		db.close();
		await expect(a.setHomeDc(2)).rejects.toBeInstanceOf(SessionLockedError);
		await a.close();
	});

	it("a write reads the lease until a third of its lifetime has passed, then extends it", async () => {
		const path = dbPath();
		const a = await SqliteSessionBackend.open({
			database: path,
			sessionId: "s",
			leaseTtlMs: 60_000,
		});
		const db = new Database(path);
		const expiry = () =>
			Number(db.prepare("SELECT expires_at FROM xs_leases WHERE session_id = 's'").pluck().get());
		const acquired = expiry();
		await a.setHomeDc(1);
		expect(expiry()).toBe(acquired);
		vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 21_000 });
		try {
			await a.setHomeDc(2);
			expect(expiry()).toBe(Date.now() + 60_000);
			// a lease row another process deleted is as lost as a taken one, on both paths
			db.prepare("DELETE FROM xs_leases WHERE session_id = 's'").run();
			await expect(a.setHomeDc(3)).rejects.toThrow(/lease on session "s" was lost/);
			vi.setSystemTime(Date.now() + 21_000);
			await expect(a.setHomeDc(4)).rejects.toThrow(/lease on session "s" was lost/);
		} finally {
			vi.useRealTimers();
		}
		expect((await a.load())?.homeDcId).toBe(2);
		db.close();
		await a.close();
	});
});
