import { closeSync, existsSync, mkdirSync, openSync, realpathSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { CorruptSessionError, SessionBackendError } from "@x/session-core";
import {
	checkOwnerOnly,
	createBackupFile,
	createDatabaseQueue,
	isProcessAlive,
	lookupSliceUsed,
	sqliteReadOnlySource,
} from "@x/session-core/node";
import {
	LeaseKeeper,
	type SqlDriver,
	type SqlExecutor,
	type SqlParam,
	type SqlRow,
	type SqlValue,
} from "@x/session-core/sql";
import Database from "better-sqlite3";

const BACKEND = "sqlite";
type Db = Database.Database;
type Statement = Database.Statement;

/**
 * One queue per database file in this process. better-sqlite3 blocks the thread while it waits
 * for a lock, so two connections to one file interleaving their (async) transactions would wait
 * on each other forever; queued, each transaction runs to its end before the next begins.
 * Other processes are handled by SQLite's busy timeout.
 */
const queue = createDatabaseQueue();

const statements = new WeakMap<Db, Map<string, Statement>>();
const rawStatements = new WeakMap<Db, Map<string, Statement>>();

/**
 * A prepared statement, once per connection and text; integers come back as bigint. `raw`
 * queries return rows as arrays of values (no named-property object per row).
 */
function prepared(db: Db, sql: string, raw = false): Statement {
	const caches = raw ? rawStatements : statements;
	let cache = caches.get(db);
	if (!cache) {
		cache = new Map();
		caches.set(db, cache);
	}
	let stmt = cache.get(sql);
	if (!stmt) {
		stmt = db.prepare(sql);
		if (stmt.reader) stmt.safeIntegers(true).raw(raw);
		cache.set(sql, stmt);
	}
	return stmt;
}

// Parameters go to better-sqlite3 as they are: any Uint8Array (a subarray included) binds as a
// blob of its own bytes, so a long batch is never copied.
const NO_PARAMS: readonly SqlParam[] = [];

function executor(db: Db): SqlExecutor {
	return {
		// an array binds its items as the anonymous parameters (no spread of a long batch)
		async run(sql, params) {
			const info = prepared(db, sql).run(params ?? NO_PARAMS);
			return { changes: info.changes };
		},
		async all(sql, params) {
			return prepared(db, sql).all(params ?? NO_PARAMS) as SqlRow[];
		},
	};
}

/** How the SQLite database is opened: durability of commits, the busy timeout, the memory map. */
export interface SqliteDriverOptions {
	/**
	 * `"full"` (default): every commit survives power loss. `"normal"` (WAL): a commit survives a
	 * crash of the process, but the last commits may be lost on power loss; faster.
	 */
	synchronous?: "normal" | "full";
	/** ms to wait for another connection's write lock (default 5000). */
	busyTimeout?: number;
	/**
	 * Bytes of the database file read through a memory map (default 256 MiB; `0` turns it off).
	 * Page reads then cost no system call, which halves a cold lookup; an I/O error while reading
	 * a mapped page ends the process with SIGBUS instead of an error, so turn it off on storage
	 * that can fail under a running process (network file systems, removable disks).
	 */
	mmapSize?: number;
	/**
	 * Read the file without changing it or creating anything beside it (no -wal, -shm or journal;
	 * the mode check is skipped: nothing is written). Without a -wal file the whole database is
	 * in the file, which is read into memory; with one (a writer may be live) it is opened
	 * read-only in place. Set by the backend's `readOnly` option.
	 */
	readOnly?: boolean;
}

const DEFAULT_MMAP_SIZE = 256 * 1024 * 1024;

/** True when the database has tables and none of them is x-session's (`xs_…`). */
function holdsOnlyOthersTables(db: Db): boolean {
	const row = db
		.prepare(
			"SELECT count(*) AS tables, count(CASE WHEN name LIKE 'xs\\_%' ESCAPE '\\' THEN 1 END) AS ours FROM sqlite_master WHERE type = 'table'",
		)
		.get() as { tables: number; ours: number };
	return row.tables > 0 && row.ours === 0;
}

/** Where the database is, with how to open it: what `sqliteDriver` takes. */
export interface SqliteDriverTarget extends SqliteDriverOptions {
	/** A file path (created 0600), `":memory:"`, or an open better-sqlite3 Database (not closed by us). */
	database: string | Db;
}

/** A better-sqlite3 connection as a {@link SqlDriver}: opened here from a path, or the caller's. */
export function sqliteDriver(target: SqliteDriverTarget): SqlDriver;
/** @deprecated Pass one object: `sqliteDriver({ database, ...options })`. */
export function sqliteDriver(database: string | Db, options?: SqliteDriverOptions): SqlDriver;
export function sqliteDriver(
	target: SqliteDriverTarget | string | Db,
	legacyOptions: SqliteDriverOptions = {},
): SqlDriver {
	const normalized: SqliteDriverTarget =
		typeof target === "object" && "database" in target
			? target
			: { ...legacyOptions, database: target };
	const connection = openConnection(normalized);
	return connectionDriver(connection, () => closeConnection(connection));
}

/**
 * One better-sqlite3 connection with what every driver on it shares: the queue key of its file,
 * the read snapshot, the prepared statements (by `Db`) and the lease keeper.
 */
export interface SqliteConnection {
	readonly db: Db;
	/** The path as given (for messages), or the caller's `Database.name`. */
	readonly path: string;
	/** Opened here (closed by us), not the caller's. */
	readonly owned: boolean;
	readonly readOnly: boolean;
	/** The file's queue: its real path, or the connection itself for an in-memory database. */
	readonly key: unknown;
	readonly direct: SqlExecutor;
	readonly snapshot: ReturnType<typeof readSnapshot>;
	readonly keeper: LeaseKeeper;
	readonly busyTimeout: number;
	/**
	 * The `synchronous` level of a file in WAL mode opened here (`"FULL"` or `"NORMAL"`); unset
	 * where a commit that need not be durable is made as any other (`:memory:`, a caller's
	 * Database, a read-only open).
	 */
	readonly walSynchronous?: "FULL" | "NORMAL";
}

/** Refuses bad driver options before anything is created (a bad option leaves nothing behind). */
export function checkDriverOptions(options: SqliteDriverOptions): number {
	const mmap = options.mmapSize ?? DEFAULT_MMAP_SIZE;
	if (!Number.isSafeInteger(mmap) || mmap < 0)
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			`mmapSize must be a byte count, got ${mmap}`,
			{
				backend: BACKEND,
			},
		);
	const timeout = options.busyTimeout ?? 5000;
	if (!Number.isInteger(timeout) || timeout < 0 || timeout > 0x7fffffff)
		throw new SessionBackendError(
			"INVALID_ARGUMENT",
			`busyTimeout must be a whole number of ms from 0 to 2147483647, got ${timeout}`,
			{ backend: BACKEND },
		);
	return mmap;
}

/** A caller's Database is one connection however many drivers wrap it. */
const callerConnections = new WeakMap<Db, SqliteConnection>();

/** Checks the options and opens the connection (a caller's `Database` is taken as it is). */
export function openConnection(target: SqliteDriverTarget): SqliteConnection {
	const { database, ...options } = target;
	const owned = typeof database === "string";
	const mmap = checkDriverOptions(options);
	if (!owned) {
		const known = callerConnections.get(database);
		if (known) return known;
	}
	const path = owned ? database : database.name;
	const readOnly = owned && options.readOnly === true && database !== ":memory:";
	const busyTimeout = options.busyTimeout ?? 5000;
	const db = readOnly
		? openReadOnly(database as string, busyTimeout)
		: owned
			? openFile(database, busyTimeout)
			: database;
	if (readOnly) {
		try {
			db.pragma("query_only = 1");
		} catch (error) {
			db.close();
			throw mapError(error, "open", path);
		}
	}
	const synchronous = options.synchronous === "normal" ? "NORMAL" : "FULL";
	let wal = false;
	if (!readOnly && owned) {
		try {
			// the busy timeout is set by the open (switching to WAL waits for other connections too).
			// A database with tables but none of ours (ferogram/layer, Telethon) keeps its journal
			// mode: the backend refuses it unless asked to migrate, and a refusal changes no byte.
			// One already in WAL mode (ours after its first open) needs neither the probe nor the switch.
			if (path !== ":memory:") {
				wal = db.pragma("journal_mode", { simple: true }) === "wal";
				if (!wal && !holdsOnlyOthersTables(db))
					wal = db.pragma("journal_mode = WAL", { simple: true }) === "wal";
			}
			// one exec, no statement object each (a cold start is a few hundred microseconds)
			db.exec(
				[
					`PRAGMA synchronous = ${synchronous}`,
					// a page cache of up to 64 MiB (filled only as pages are read): random lookups in a
					// large peer cache stay in memory instead of re-reading pages from the OS
					"PRAGMA cache_size = -65536",
					...(path !== ":memory:" ? [`PRAGMA mmap_size = ${mmap}`] : []),
					// deleted and overwritten content is zeroed, not left in free space: an auth key
					// replaced by its envelope (encryption switched on) or deleted leaves no trace in a page
					"PRAGMA secure_delete = ON",
				].join("; "),
			);
		} catch (error) {
			db.close();
			throw mapError(error, "open", path);
		}
	}
	const key = path === ":memory:" || path === "" ? db : fileKey(path);
	const direct = executor(db);
	const connection: SqliteConnection = {
		db,
		path,
		owned,
		readOnly,
		key,
		direct,
		snapshot: readSnapshot(db, owned),
		// renewals ahead of the file's queue, outside any transaction of the connection
		keeper: new LeaseKeeper({
			all: (sql, params) =>
				queue.runFirst(key, () => {
					connection.snapshot.end();
					return direct.all(sql, params);
				}),
		}),
		busyTimeout,
		...(wal ? { walSynchronous: synchronous } : {}),
	};
	if (!owned) callerConnections.set(db, connection);
	return connection;
}

/** The real path of a database file (symlinks and `..` resolved), as the key of its queue. */
export function fileKey(path: string): string {
	try {
		return realpathSync(path);
	} catch {
		return resolve(path);
	}
}

/** Runs `task` in the connection's file queue, after ending its read snapshot. */
function queued<T>(c: SqliteConnection, task: () => Promise<T>): Promise<T> {
	return queue.run(c.key, () => {
		c.snapshot.end();
		return task();
	});
}

/**
 * Copies the -wal into the database and empties it: the older page images it holds (a key
 * before it was encrypted or deleted) go with it. Only on a file this driver writes.
 */
function checkpoint(c: SqliteConnection): void {
	const { db } = c;
	if (!c.owned || c.readOnly || c.path === ":memory:" || !db.open) return;
	// it waits for readers of other connections: at most 100 ms (the thread is blocked), then
	// copies what it can and leaves the rest to the next save, delete or close
	db.pragma("busy_timeout = 100");
	try {
		db.pragma("wal_checkpoint(TRUNCATE)");
	} catch {
		// busy: another connection's writer
	} finally {
		db.pragma(`busy_timeout = ${c.busyTimeout}`);
	}
}

/** Checkpoints and closes a connection opened here; a caller's `Database` is left open. */
export async function closeConnection(c: SqliteConnection): Promise<void> {
	if (!c.owned) return;
	// also while another connection is open (SQLite checkpoints only at the last close)
	await queued(c, async () => {
		checkpoint(c);
		c.db.close();
	}).catch(() => undefined);
}

/** A driver on `connection`; `close` is what its `close()` does (release a share, or close). */
export function connectionDriver(c: SqliteConnection, close: () => Promise<void>): SqlDriver {
	const { db, key, snapshot, direct, path } = c;
	const owned = c.owned;
	let closed = false;
	return {
		name: BACKEND,
		location: path,
		processInfo: { pid: process.pid, host: hostname() },
		leaseKeeper: c.keeper,
		run: (sql, params) => queued(c, () => direct.run(sql, params)),
		all: (sql, params) => queued(c, () => direct.all(sql, params)),
		// rows as arrays (the raw statement readNow uses): a full load builds no object per peer
		allValues: (sql, params) =>
			queued(c, async () => prepared(db, sql, true).all(params ?? NO_PARAMS) as SqlValue[][]),
		readNow(sql, params, urgent) {
			// not inside (or ahead of) a transaction on this database: it would see uncommitted rows;
			// and not once this turn's slice of synchronous work is used (the queue lets the loop turn)
			if (queue.busy(key) || (!snapshot.open && db.inTransaction)) return undefined;
			if (!urgent && lookupSliceUsed()) return undefined;
			snapshot.begin();
			return (prepared(db, sql, true).get(params ?? NO_PARAMS) as SqlValue[] | undefined) ?? null;
		},
		transaction: (fn, options) =>
			queued(c, async () => {
				// a commit that need not be durable (a lease taken or released) is appended to the WAL
				// without an fsync; the next FULL commit or checkpoint syncs it with everything before
				// it. Set and restored between transactions (SQLite refuses it inside one); queued, no
				// other statement of this connection runs in between.
				const relaxed = options?.durable === false && c.walSynchronous === "FULL";
				if (relaxed) db.exec("PRAGMA synchronous = NORMAL");
				try {
					db.exec("BEGIN IMMEDIATE");
					try {
						const result = await fn(direct);
						db.exec("COMMIT");
						return result;
					} catch (error) {
						if (db.inTransaction) db.exec("ROLLBACK");
						throw error;
					}
				} finally {
					if (relaxed) db.exec("PRAGMA synchronous = FULL");
				}
			}),
		async backup() {
			const dest = createBackupFile(path);
			await db.backup(dest);
			return dest;
		},
		isProcessAlive,
		mapError: (error, operation) => mapError(error, operation, path),
		checkpoint: () => queued(c, async () => checkpoint(c)).catch(() => undefined),
		async close() {
			if (closed || !owned) return;
			closed = true;
			await close();
		},
	};
}

/**
 * Reads that arrive in one turn of the event loop share one read transaction. Outside a
 * transaction every SQLite statement takes and releases the WAL read lock (a few system calls,
 * most of a point lookup's cost); inside one, a lookup is a B-tree descent. The transaction ends
 * before the loop turns (setImmediate) and before any queued statement or write of this
 * connection runs, so a read never sees older data than a read issued after the last turn, and
 * no write waits on it. Only on connections the driver opened: a caller's own Database may run
 * its own transactions at any time.
 */
function readSnapshot(db: Db, enabled: boolean) {
	let open = false;
	const end = () => {
		if (!open) return;
		open = false;
		if (db.open && db.inTransaction) db.exec("COMMIT");
	};
	return {
		get open() {
			return open;
		},
		begin() {
			if (open || !enabled) return;
			db.exec("BEGIN");
			open = true;
			setImmediate(end);
		},
		end,
	};
}

/** Opens a database file for reading only, creating nothing beside it (see sqliteReadOnlySource). */
function openReadOnly(path: string, timeout: number): Db {
	try {
		const source = sqliteReadOnlySource(path);
		return typeof source === "string"
			? new Database(source, { readonly: true, fileMustExist: true, timeout })
			: new Database(source, { timeout });
	} catch (error) {
		const code = (error as { code?: unknown }).code;
		// checked as a writable open checks it (checkOwnerOnly): the same words either way
		if (code === "EISDIR") checkOwnerOnly(path, BACKEND);
		if (code === "ENOENT" || code === "SQLITE_CANTOPEN")
			throw new SessionBackendError(
				"IO",
				`${path} does not exist (a read-only open creates nothing)`,
				{
					backend: BACKEND,
					cause: error,
				},
			);
		throw mapError(error, "open", path);
	}
}

/** Opens a database file, creating it 0600 first so SQLite's -wal and -shm files are 0600 too. */
function openFile(path: string, timeout: number): Db {
	if (path !== ":memory:" && !existsSync(path)) createFile(path);
	if (path !== ":memory:") checkOwnerOnly(path, BACKEND);
	try {
		return new Database(path, { timeout });
	} catch (error) {
		throw mapError(error, "open", path);
	}
}

/** Creates the database file 0600, and the missing directories above it 0700 (as every backend). */
export function createFile(path: string): void {
	try {
		mkdirSync(dirname(resolve(path)), { recursive: true, mode: 0o700 });
		closeSync(openSync(path, "a", 0o600));
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		throw new SessionBackendError("IO", `cannot create ${path}: ${code ?? String(error)}`, {
			backend: BACKEND,
			cause: error,
		});
	}
}

export function mapError(error: unknown, operation: string, path: string): SessionBackendError {
	if (error instanceof SessionBackendError) return error;
	const code = String((error as { code?: unknown })?.code ?? "");
	const message = (error as Error)?.message ?? String(error);
	if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT")
		return new CorruptSessionError(`${path} is not a readable SQLite database (${code})`, {
			backend: BACKEND,
			cause: error,
		});
	if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))
		return new SessionBackendError(
			"TIMEOUT",
			`${operation}: ${path} stayed locked by another connection (${code})`,
			{
				backend: BACKEND,
				cause: error,
			},
		);
	return new SessionBackendError(
		"IO",
		`${operation} failed on ${path}: ${code || message.slice(0, 200)}`,
		{
			backend: BACKEND,
			cause: error,
		},
	);
}
