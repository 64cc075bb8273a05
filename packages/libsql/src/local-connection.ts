import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import {
	LeaseKeeper,
	type SqlExecutor,
	type SqlParam,
	type SqlRow,
	type SqlValue,
} from "@x/session-core/sql";
import Database from "libsql";
import { mapError } from "./errors.js";
import { fileQueue } from "./file-queue.js";
import { type PreparedStatements, preparedStatements } from "./prepared.js";
import { readSnapshot } from "./read-snapshot.js";

// A local libSQL file through libsql's own connection (the native engine @libsql/client uses
// for local files), without @libsql/client around it. Per call, the client prepares the
// statement again (a native statement whose memory is only given back when the garbage
// collector happens to run: gigabytes over a million lookups), asks for its columns twice, and
// converts every row; here a statement is prepared once per connection and text.

type Db = InstanceType<typeof Database>;

/** How a local file is opened: durability of commits, or only to read. */
export interface LocalFileOptions {
	/** `"full"` (default): every commit survives power loss; `"normal"`: faster, crash-safe. */
	synchronous?: "normal" | "full";
	/** Opened as it is: no journal mode or durability set, writes refused by SQLite. */
	readOnly?: boolean;
}

/** One connection to a local file with what every driver on it shares. */
export interface LocalConnection {
	readonly db: Db;
	/** The path as given, for messages. */
	readonly path: string;
	/** The file's real path: the key of its queue (every connection of this process to it). */
	readonly key: string;
	readonly readOnly: boolean;
	readonly statements: PreparedStatements;
	/** Statements of this connection, outside the queue (inside a queued task or transaction). */
	readonly direct: SqlExecutor;
	readonly snapshot: ReturnType<typeof readSnapshot>;
	/** Renews the leases of every session on this connection in one statement per interval. */
	readonly keeper: LeaseKeeper;
}

/** How long a statement waits for another connection's lock (ms), as the SQLite backend's default. */
export const BUSY_TIMEOUT_MS = 5000;
/** A checkpoint waits at most this long for another connection's readers (the thread is blocked). */
const CHECKPOINT_BUSY_MS = 100;

/** The real path of a database file (symlinks and `..` resolved), as the key of its queue. */
export function fileKey(path: string): string {
	try {
		return realpathSync(path);
	} catch {
		return resolve(path);
	}
}

/** Integers go as SQLite integers: libsql binds a JS number as a float. */
export function bound(params: readonly SqlParam[] | undefined): unknown[] {
	if (!params) return [];
	return params.map((v) => (typeof v === "number" && Number.isInteger(v) ? BigInt(v) : v));
}

/** Rows as objects by column name (libsql's object rows carry blobs as ArrayBuffers). */
function objects(columns: readonly string[], values: unknown[][]): SqlRow[] {
	const rows: SqlRow[] = new Array(values.length);
	for (let r = 0; r < values.length; r++) {
		const row: SqlRow = {};
		const v = values[r] as SqlValue[];
		for (let i = 0; i < columns.length; i++) row[columns[i] as string] = v[i] as SqlValue;
		rows[r] = row;
	}
	return rows;
}

function executor(statements: PreparedStatements): SqlExecutor {
	return {
		async run(sql, params) {
			return { changes: statements.get(sql, "run").run(bound(params)).changes };
		},
		async all(sql, params) {
			const s = statements.get(sql, "all");
			if (!s.raw) {
				s.statement.run(bound(params));
				return [];
			}
			return objects(s.columns, s.statement.all(bound(params)) as unknown[][]);
		},
	};
}

/** True when the database has tables and none of them is x-session's (`xs_…`). */
function holdsOnlyOthersTables(db: Db): boolean {
	const row = db
		.prepare(
			"SELECT count(*) AS tables, count(CASE WHEN name LIKE 'xs\\_%' ESCAPE '\\' THEN 1 END) AS ours FROM sqlite_master WHERE type = 'table'",
		)
		.raw(true)
		.get() as [number, number];
	return row[0] > 0 && row[1] === 0;
}

/**
 * Opens a local file (created 0600 beforehand by the caller) with the settings of the SQLite
 * backend: WAL (unless the database holds only others' tables: a refused open changes no byte),
 * the chosen durability, a page cache of up to 64 MiB and `secure_delete`, so a deleted or
 * overwritten row (an auth key replaced by its envelope) is zeroed in its page.
 */
export function openLocalConnection(path: string, options: LocalFileOptions = {}): LocalConnection {
	let db: Db;
	try {
		db = new Database(path);
	} catch (error) {
		throw mapError(error, "open", path, []);
	}
	const readOnly = options.readOnly === true;
	try {
		// another process's write transaction is waited for, as on the SQLite backend (libsql's
		// default of 0 failed a write, and a lease renewal, at once with "database is locked":
		// under a rival process's load, leases expired while their holders lived)
		db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
		if (readOnly) db.exec("PRAGMA query_only = 1");
		else {
			if (!holdsOnlyOthersTables(db)) db.exec("PRAGMA journal_mode = WAL");
			db.exec(`PRAGMA synchronous = ${options.synchronous === "normal" ? "NORMAL" : "FULL"}`);
			db.exec("PRAGMA secure_delete = ON");
		}
		// filled only as pages are read: random lookups in a large peer cache stay in memory
		db.exec("PRAGMA cache_size = -65536");
	} catch (error) {
		db.close();
		throw mapError(error, "open", path, []);
	}
	const statements = preparedStatements(db);
	const direct = executor(statements);
	const key = fileKey(path);
	const connection: LocalConnection = {
		db,
		path,
		key,
		readOnly,
		statements,
		direct,
		snapshot: readSnapshot(db),
		keeper: new LeaseKeeper({ all: (sql, params) => renewal(connection, sql, params) }),
	};
	return connection;
}

/**
 * The lease keeper's statement, ahead of the file's queue: between the running task and the next
 * (a statement of its own, outside any transaction). Queued behind a closed loop of a thousand
 * sessions' writes, it waited longer than a short lease lives, and leases expired under live
 * holders (measured: 8 of 1000 lost to a rival process with a 1 s lease).
 */
function renewal(c: LocalConnection, sql: string, params?: readonly SqlParam[]): Promise<SqlRow[]> {
	return fileQueue.runFirst(c.key, () => {
		c.snapshot.end();
		return c.direct.all(sql, params);
	});
}

/** Runs `task` in the file's queue, after ending the connection's read snapshot. */
export function queued<T>(c: LocalConnection, task: () => Promise<T>): Promise<T> {
	return fileQueue.run(c.key, () => {
		c.snapshot.end();
		return task();
	});
}

/** How long closing waits for another connection's reader to let its checkpoint finish. */
const CLOSE_CHECKPOINT_WAIT_MS = 2000;

/**
 * Copies the -wal into the database and empties it: the older page images it holds (a key
 * before it was encrypted or deleted) go with it, and the database file alone holds the
 * sessions. A reader of another connection makes it answer "busy" (it does not throw) after
 * waiting 100 ms: it is retried for up to `waitMs`. Never rejects.
 */
export async function checkpoint(c: LocalConnection, waitMs = 0): Promise<void> {
	if (c.readOnly) return;
	const deadline = Date.now() + waitMs;
	for (;;) {
		const busy = await queued(c, async () => {
			if (!c.db.open) return false;
			c.db.exec(`PRAGMA busy_timeout = ${CHECKPOINT_BUSY_MS}`);
			try {
				const row = c.statements
					.get("PRAGMA wal_checkpoint(TRUNCATE)", "get")
					.statement.get([]) as unknown[];
				return Number(row?.[0] ?? 0) !== 0;
			} finally {
				c.db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
			}
		}).catch(() => false);
		if (!busy || Date.now() >= deadline) return;
		await new Promise((r) => setTimeout(r, 50));
	}
}

/**
 * Checkpoints and closes the connection: libSQL's close leaves the -wal as it is, and the
 * sessions would live in it (a copy of the database file alone would hold none of them). libsql
 * closes the files once its statements are garbage collected: they are dropped here.
 */
export async function closeLocalConnection(c: LocalConnection): Promise<void> {
	await checkpoint(c, CLOSE_CHECKPOINT_WAIT_MS);
	await queued(c, async () => {
		if (c.db.open) c.db.close();
		c.statements.clear();
	}).catch(() => undefined);
}
