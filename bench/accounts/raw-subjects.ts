// The same writes through the bare driver on one shared connection, with no lease and no
// checks: an UPDATE of the session's row for applyUpdateState, an upsert of 10 rows in one
// transaction (SQLite, libSQL), statement (PostgreSQL) or HSET (Redis) for cachePeers.
import { createClient } from "@libsql/client";
import type { CachedPeer } from "@x/session-core";
import Database from "better-sqlite3";
import { Redis } from "ioredis";
import pg from "pg";
import type { SessionWriter } from "./load.js";
import { PG_URL, REDIS_URL } from "./servers.js";
import type { BackendName } from "./stores.js";
import { type Subject, sessionIdOf } from "./subject.js";

const SESSIONS =
	"CREATE TABLE raw_sessions (session_id TEXT PRIMARY KEY, pts INTEGER NOT NULL, date INTEGER NOT NULL, seq INTEGER NOT NULL)";
const PEERS =
	"CREATE TABLE raw_peers (session_id TEXT NOT NULL, kind INTEGER NOT NULL, id INTEGER NOT NULL, access_hash INTEGER NOT NULL, PRIMARY KEY (session_id, kind, id))";
const SET_STATE = "UPDATE raw_sessions SET pts = ?, date = ?, seq = ? WHERE session_id = ?";
const UPSERT_PEER =
	"INSERT INTO raw_peers (session_id, kind, id, access_hash) VALUES (?, 0, ?, ?) ON CONFLICT (session_id, kind, id) DO UPDATE SET access_hash = excluded.access_hash";

const ids = (n: number) => Array.from({ length: n }, (_, i) => sessionIdOf(i));

export const rawSubjects: Record<BackendName, Subject> = {
	sqlite: {
		backend: "sqlite",
		kind: "raw driver",
		how: "one better-sqlite3 `Database` (WAL, synchronous FULL), prepared statements",
		durability: async () => "WAL, synchronous FULL: fsync per commit",
		open: async (n, at) => {
			const db = new Database(at.file);
			db.pragma("journal_mode = WAL");
			db.pragma("synchronous = FULL");
			db.pragma("busy_timeout = 5000");
			db.exec(SESSIONS);
			db.exec(`${PEERS} WITHOUT ROWID`);
			const add = db.prepare("INSERT INTO raw_sessions VALUES (?, 0, 0, 0)");
			db.transaction(() => {
				for (const id of ids(n)) add.run(id);
			})();
			const setState = db.prepare(SET_STATE);
			const upsert = db.prepare(UPSERT_PEER);
			const batch = db.transaction((id: string, peers: CachedPeer[]) => {
				for (const p of peers) upsert.run(id, p.id, p.accessHash);
			});
			const writers = ids(n).map(
				(id): SessionWriter => ({
					applyUpdateState: async (pts, date, seq) => {
						setState.run(pts, date, seq, id);
					},
					cachePeers: async (peers) => {
						batch.immediate(id, peers);
					},
				}),
			);
			return {
				writers,
				close: async () => {
					db.close();
				},
			};
		},
	},
	libsql: {
		backend: "libsql",
		kind: "raw driver",
		how: "one @libsql/client `createClient({ url: 'file:…' })` (WAL, synchronous FULL), `batch(…, 'write')` for peers",
		durability: async () => "WAL, synchronous FULL: fsync per commit",
		open: async (n, at) => {
			const client = createClient({ url: `file:${at.file}` });
			await client.execute("PRAGMA journal_mode = WAL");
			await client.execute("PRAGMA synchronous = FULL");
			await client.batch([SESSIONS, `${PEERS} WITHOUT ROWID`], "write");
			await client.batch(
				ids(n).map((id) => ({ sql: "INSERT INTO raw_sessions VALUES (?, 0, 0, 0)", args: [id] })),
				"write",
			);
			const writers = ids(n).map(
				(id): SessionWriter => ({
					applyUpdateState: async (pts, date, seq) => {
						await client.execute({ sql: SET_STATE, args: [pts, date, seq, id] });
					},
					cachePeers: async (peers) => {
						await client.batch(
							peers.map((p) => ({ sql: UPSERT_PEER, args: [id, p.id, p.accessHash] })),
							"write",
						);
					},
				}),
			);
			return { writers, close: async () => client.close() };
		},
	},
	postgres: {
		backend: "postgres",
		kind: "raw driver",
		how: "one `pg.Pool` (default size 10), one statement per write (peers: one `unnest` upsert)",
		durability: (stores) => stores.pg.durability(),
		open: async (n, at) => {
			const pool = new pg.Pool({ connectionString: PG_URL });
			const s = `"${at.schema}"`;
			await pool.query(`CREATE SCHEMA ${s}`);
			await pool.query(
				`CREATE TABLE ${s}.raw_sessions (session_id text PRIMARY KEY, pts int NOT NULL, date int NOT NULL, seq int NOT NULL)`,
			);
			await pool.query(
				`CREATE TABLE ${s}.raw_peers (session_id text NOT NULL, kind smallint NOT NULL, id bigint NOT NULL, access_hash bigint NOT NULL, PRIMARY KEY (session_id, kind, id))`,
			);
			await pool.query(
				`INSERT INTO ${s}.raw_sessions SELECT id, 0, 0, 0 FROM unnest($1::text[]) AS id`,
				[ids(n)],
			);
			const setState = `UPDATE ${s}.raw_sessions SET pts = $1, date = $2, seq = $3 WHERE session_id = $4`;
			const upsert = `INSERT INTO ${s}.raw_peers (session_id, kind, id, access_hash)
				SELECT $1, 0, id, h FROM unnest($2::bigint[], $3::bigint[]) AS t(id, h)
				ON CONFLICT (session_id, kind, id) DO UPDATE SET access_hash = excluded.access_hash`;
			const writers = ids(n).map(
				(id): SessionWriter => ({
					applyUpdateState: async (pts, date, seq) => {
						await pool.query(setState, [pts, date, seq, id]);
					},
					cachePeers: async (peers) => {
						await pool.query(upsert, [
							id,
							peers.map((p) => String(p.id)),
							peers.map((p) => String(p.accessHash)),
						]);
					},
				}),
			);
			return { writers, close: () => pool.end() };
		},
	},
	redis: {
		backend: "redis",
		kind: "raw driver",
		how: "one ioredis client, one HSET per write",
		durability: (stores) => stores.redis.durability(),
		open: async (n, at) => {
			const client = new Redis(REDIS_URL, { lazyConnect: true });
			await client.connect();
			const writers = ids(n).map((id): SessionWriter => {
				const meta = `${at.prefix}:${id}:meta`;
				const peersKey = `${at.prefix}:${id}:peers`;
				return {
					applyUpdateState: async (pts, date, seq) => {
						await client.hset(meta, "pts", pts, "date", date, "seq", seq);
					},
					cachePeers: async (peers) => {
						await client.hset(
							peersKey,
							...peers.flatMap((p) => [`u${p.id}`, String(p.accessHash)]),
						);
					},
				};
			});
			return {
				writers,
				close: async () => {
					await client.quit();
				},
			};
		},
	},
};
