import type { Dialect } from "./dialect.js";
import type { LeaseKeeper } from "./lease-keeper.js";

/** A value bound to or read from SQL. Integer columns must come back as `bigint` (exact 64-bit). */
export type SqlValue = null | number | bigint | string | Uint8Array;
/**
 * A bound parameter: a value, or an array of values for dialects that bind arrays (PostgreSQL's
 * `unnest(?::int8[])`). The SQLite family never binds an array.
 */
export type SqlParam = SqlValue | readonly SqlValue[];
/** One result row, by column name. */
export type SqlRow = Record<string, SqlValue>;

/** Runs statements: a connection, or a transaction on one. */
export interface SqlExecutor {
	/** Runs one statement; `changes` is the number of rows it changed. */
	run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }>;
	/** Runs a query and returns every row, integers as `bigint`. */
	all(sql: string, params?: readonly SqlParam[]): Promise<SqlRow[]>;
	/**
	 * Optional: {@link all} with each row as an array of its values in column order (integers as
	 * `bigint`), for reads of many rows (a full `load()` of a million peers): no object with named
	 * properties built per row. A driver whose library returns rows as arrays offers it
	 * (better-sqlite3's `raw(true)`, libsql's); without it the layer reads objects with `all`.
	 */
	allValues?(sql: string, params?: readonly SqlParam[]): Promise<SqlValue[][]>;
}

/**
 * What a SQL backend package supplies to `SqlSessionBackend`: a connection that can run a write
 * transaction, and the {@link Dialect} its statements are written in. Implemented over
 * better-sqlite3 (`@x/session-sqlite`), `@libsql/client` (`@x/session-libsql`) and `pg`
 * (`@x/session-postgres`). A driver whose library returns rows as arrays also offers
 * {@link SqlExecutor.allValues}: the full `load()` then reads its peers without an object per row.
 */
export interface SqlDriver extends SqlExecutor {
	/** Backend label for errors, e.g. `"sqlite"`. */
	readonly name: string;
	/**
	 * What differs between SQL flavours: schema and migrations, batch writes, lookups. Default:
	 * the SQLite family's (`sqliteDialect`). A PostgreSQL driver passes `postgresDialect` from
	 * `@x/session-postgres` and turns `?` placeholders into `$1…` itself.
	 */
	readonly dialect?: Dialect;
	/** Where the database is, for messages (a path or a URL without credentials). */
	readonly location: string;
	/**
	 * Runs `fn` in a write transaction (`BEGIN IMMEDIATE`): commits when it resolves, rolls back
	 * when it rejects, and rejects with the same error. `durable: false` (taking and releasing a
	 * lease) lets the driver commit without waiting for the disk, where it can do so without risk
	 * to the file (SQLite in WAL mode: `synchronous = NORMAL` for this commit); visible to every
	 * other connection at once all the same. A driver may ignore it.
	 */
	transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: { durable?: boolean }): Promise<T>;
	/**
	 * Runs a query at once, synchronously, and returns the values of its first row in column order
	 * (`null` when there is none; integers as `bigint`), for drivers over a synchronous library
	 * (better-sqlite3); returns `undefined` without running it when it cannot run now (a
	 * transaction of this connection open or queued), and the caller then queues it with `all`.
	 * Errors are thrown as the library throws them. A driver that lets the event loop turn after a
	 * slice of synchronous work also returns `undefined` once the slice is used, unless `urgent`:
	 * the caller must answer synchronously (`SessionBackend.getPeerNow`), and waiting cannot help it.
	 */
	readNow?(
		sql: string,
		params: readonly SqlValue[],
		urgent?: boolean,
	): readonly SqlValue[] | null | undefined;
	/** Makes a 0600 copy of the database before an in-place upgrade; returns where it is. */
	backup?(): Promise<string>;
	/** Whether a process of this host is alive, for taking over a dead holder's lease at once. */
	isProcessAlive?(pid: number): boolean;
	/** The identity written into leases. */
	readonly processInfo?: { pid: number; host: string };
	/**
	 * Copies a write-ahead log into the database and empties it (SQLite's
	 * `wal_checkpoint(TRUNCATE)`), so the page images it holds from before a write (a key before
	 * it was encrypted, or deleted) do not outlive it. Best effort, never rejects; called after
	 * `save()` and `delete()`, which replace or remove secrets and are rare.
	 */
	checkpoint?(): Promise<void>;
	/**
	 * The lease keeper of the connection (pool, client) this driver shares with other sessions'
	 * drivers: one renewal statement per interval for all their leases. Without it, each driver
	 * object gets a keeper of its own (`leaseKeeperOf`).
	 */
	readonly leaseKeeper?: LeaseKeeper;
	/** Releases what the driver opened itself; called once when the backend closes. */
	close?(): Promise<void>;
	/** Maps a driver error to a typed one (connection loss, auth, busy). */
	mapError?(error: unknown, operation: string): unknown;
}
