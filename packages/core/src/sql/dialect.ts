import type { CachedPeer } from "../types.js";
import type { SqlDriver, SqlExecutor } from "./driver.js";
import type { MigrationResult, SchemaState } from "./migrate.js";
import type { SettledBatch } from "./peer-batch.js";
import type { PeerLookup } from "./peer-meta.js";
import type { RowReader } from "./rows.js";

/** One batch of peer metadata to write, inside the transaction that writes the peers. */
export interface PeerMetaWrite {
	sessionId: string;
	/** The batch played in order among its own peers (see `settleBatch`); never empty. */
	batch: SettledBatch;
	/** The session's rows were just deleted (a full save): nothing stored to take over or clear. */
	fresh: boolean;
	rows: RowReader;
}

/**
 * What differs between SQL flavours; everything else in `@x/session-core/sql` is written once in
 * the SQL both understand (`?` placeholders, `ON CONFLICT … DO UPDATE`, `RETURNING`). The SQLite
 * family's (`sqliteDialect`, shared by better-sqlite3 and libSQL) lives in core; PostgreSQL's
 * lives in `@x/session-postgres`. Every dialect reaches the same `SCHEMA_VERSION` with the
 * same tables and stored values: only types, batching and locking differ.
 */
export interface Dialect {
	/** `"sqlite"`, `"postgres"`: for messages and tests. */
	readonly name: string;
	/**
	 * The statements that read one peer with its metadata (`lookupStatements`), built once:
	 * drivers cache prepared statements by their text.
	 */
	readonly lookups: Readonly<Record<PeerLookup, string>>;
	/**
	 * Reads a lease's owner inside a write transaction (parameter: session id). Where
	 * transactions run side by side (PostgreSQL) it also locks the row, so a takeover cannot
	 * commit before the transaction that checked it.
	 */
	readonly leaseOwnerSql: string;
	/**
	 * A granular write of one statement as one round trip, where a transaction costs round trips
	 * (PostgreSQL): `sql` (`UPDATE`/`DELETE … WHERE …`, or `INSERT … VALUES (…)` with its upsert
	 * clause; it sets values, so a driver may run it again after a dropped connection) made to run only when the session row exists and, when `leased`, the lease names the
	 * writer (locked as {@link leaseOwnerSql} locks it, so a takeover cannot commit in between).
	 * Parameters: session id, then the owner when `leased`, then `sql`'s own. It returns one row
	 * whose `fenced` is true when the write ran; when false the write is made in a transaction,
	 * which tells a lost lease from a missing row. `undefined`: `sql` has no such form. Without
	 * this hook (the SQLite family, whose transactions cost nothing extra) every write is a
	 * transaction.
	 */
	fencedWrite?(sql: string, leased: boolean): string | undefined;
	/** The schema version stored in the database; 0 when none is. */
	schemaVersion(db: SqlExecutor): Promise<number>;
	/**
	 * Brings the schema from `from` (below `SCHEMA_VERSION`) to it, safely against another
	 * process doing the same, importing a foreign database only with `foreign`.
	 */
	upgrade(db: SqlDriver, from: number, options: { foreign: boolean }): Promise<MigrationResult>;
	/**
	 * What a read-only open finds in a database without a schema version: no tables of ours
	 * (`none`) or a foreign database read in memory; `undefined` when it cannot tell (an error).
	 */
	unversioned(db: SqlDriver): Promise<SchemaState | undefined>;
	/** Inserts `xs_peers` rows known to be new (the session's rows were just deleted). */
	insertPeers(tx: SqlExecutor, sessionId: string, peers: readonly CachedPeer[]): Promise<void>;
	/** Upserts `xs_peers` rows with the merge rules (`UPSERT_PEER`); no `(kind, id)` repeats. */
	upsertPeers(tx: SqlExecutor, sessionId: string, peers: readonly CachedPeer[]): Promise<void>;
	/** Writes `xs_peer_meta` and `xs_usernames` for a batch, with the meaning of caching one by one. */
	writePeerMeta(tx: SqlExecutor, write: PeerMetaWrite): Promise<void>;
}
