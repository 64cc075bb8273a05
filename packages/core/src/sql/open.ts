import { SessionBackendError, SessionLockedError } from "../errors.js";
import type { PersistedSession } from "../types.js";
import { SqlSessionBackend } from "./backend.js";
import type { SqlDriver } from "./driver.js";
import { guard } from "./guard.js";
import { acquireLease, describeHolder, Lease, leaseHolder, randomOwner } from "./lease.js";
import {
	dialectOf,
	type MigrationResult,
	migrate,
	readSchema,
	type SchemaState,
} from "./migrate.js";
import { deleteSessionRows } from "./session-rows.js";

/** Options every SQL backend (SQLite, libSQL, PostgreSQL) accepts on top of its connection options. */
export interface SqlSessionOptions {
	/** The account this instance reads and writes (default `"default"`). */
	sessionId?: string;
	/** Take a single-writer lease on the session (default `true`). */
	lock?: boolean;
	/**
	 * Lease lifetime; renewed every third of it while open, with every other lease on the same
	 * connection, by its `LeaseKeeper` (default 30 000 ms).
	 */
	leaseTtlMs?: number;
	/** How long `open` retries a held lease (default 0: reject at once). */
	lockWaitMs?: number;
	/**
	 * Coalesce update-state floods: `applyUpdateState` (primary, secondary, channel) changes are
	 * kept in memory and written together at most once per this many ms; any other call, `flush()`
	 * and `close()` write them first. Default 0: every call is its own transaction.
	 */
	flushInterval?: number;
	/**
	 * Open without changing anything: no migration, no schema, no lease; every write rejects
	 * `UNSUPPORTED`. A database without our tables loads `null`; a ferogram/layer database is
	 * read in memory, as it would be imported (session `"default"`), and left as it is.
	 */
	readOnly?: boolean;
	/**
	 * Import a ferogram/layer database on open: its rows become session `"default"`, its tables
	 * are dropped (after a 0600 backup copy, where the driver can make one), and the Rust client
	 * that owns the file can no longer use it. Default `false`: such a database is refused.
	 */
	migrateForeign?: boolean;
}

/** A database made ready for one session by {@link prepareSqlSession}: what `SqlSessionBackend` is built from. */
export interface PreparedSqlSession {
	readonly driver: SqlDriver;
	readonly sessionId: string;
	/** This instance's lease (with locking). */
	readonly lease: Lease | undefined;
	readonly flushInterval: number;
	/** Read-only: what the database held when opened without our tables (see `readOnly`). */
	readonly readOnly: { foreign: PersistedSession | null | undefined } | undefined;
	/** Set when this open imported a ferogram/layer database (`migrateForeign`). */
	readonly imported: MigrationResult["importedReference"];
	/** Set by a `readOnly` open: our tables, none (no session), or a ferogram/layer database. */
	readonly found: SchemaState["kind"] | undefined;
}

function invalid(db: SqlDriver, message: string): SessionBackendError {
	return new SessionBackendError("INVALID_ARGUMENT", message, { backend: db.name });
}

/**
 * Checks the options, migrates the database if needed (or, read-only, looks at it as it is) and
 * takes the session's lease. On a failure the driver is closed and nothing was changed.
 */
export async function prepareSqlSession(
	db: SqlDriver,
	options: SqlSessionOptions = {},
): Promise<PreparedSqlSession> {
	const sessionId = options.sessionId ?? "default";
	if (typeof sessionId !== "string" || sessionId.length === 0 || sessionId.length > 200)
		throw invalid(db, "sessionId must be a string of 1 to 200 characters");
	const ttl = options.leaseTtlMs ?? 30_000;
	if (!Number.isInteger(ttl) || ttl < 1000)
		throw invalid(db, "leaseTtlMs must be an integer ≥ 1000");
	const flushInterval = options.flushInterval ?? 0;
	if (!(Number.isFinite(flushInterval) && flushInterval >= 0))
		throw invalid(db, "flushInterval must be a number ≥ 0");
	let lease: Lease | undefined;
	let readOnly: PreparedSqlSession["readOnly"];
	let imported: MigrationResult["importedReference"];
	let found: SchemaState["kind"] | undefined;
	try {
		if (options.readOnly) {
			const state = await guard(db, "open", () => readSchema(db));
			found = state.kind;
			const foreign =
				state.kind === "ours"
					? undefined
					: state.kind === "reference" && sessionId === "default"
						? (state.session ?? null)
						: null;
			readOnly = { foreign };
		} else {
			const foreign = options.migrateForeign === true;
			imported = (await guard(db, "open", () => migrate(db, { foreign }))).importedReference;
			if (options.lock ?? true) {
				const owner = randomOwner();
				await acquireLease(db, sessionId, owner, ttl, options.lockWaitMs ?? 0);
				lease = new Lease(sessionId, owner, ttl, dialectOf(db), db.name);
			}
		}
	} catch (error) {
		await db.close?.();
		throw error;
	}
	return { driver: db, sessionId, lease, flushInterval, readOnly, imported, found };
}

/** Opens a session on a driver of your own (a backend package subclasses `SqlSessionBackend`). */
export async function openSqlSession(
	db: SqlDriver,
	options: SqlSessionOptions = {},
): Promise<SqlSessionBackend> {
	return new SqlSessionBackend(await prepareSqlSession(db, options));
}

/**
 * The session ids stored in the database, sorted. A read: nothing is migrated or created (a
 * database without our tables lists none; a ferogram/layer database lists `"default"`).
 */
export async function listSqlSessions(db: SqlDriver): Promise<string[]> {
	const state = await guard(db, "listSessions", () => readSchema(db));
	if (state.kind === "none") return [];
	if (state.kind === "reference") return state.session ? ["default"] : [];
	const rows = await guard(db, "listSessions", () =>
		db.all("SELECT session_id FROM xs_sessions ORDER BY session_id"),
	);
	return rows.map((r) => String(r.session_id));
}

/**
 * Deletes a session that no open instance holds (`SessionLockedError` when one does).
 * Resolves `false` when there was no such session.
 */
export async function deleteSqlSession(db: SqlDriver, sessionId: string): Promise<boolean> {
	await guard(db, "deleteSession", () => migrate(db));
	return guard(db, "deleteSession", () =>
		db.transaction(async (tx) => {
			const holder = await leaseHolder(tx, sessionId);
			if (holder && (holder.expiresAt ?? 0) > Date.now())
				throw new SessionLockedError(
					`session "${sessionId}" is open in ${describeHolder(holder)}`,
					{ backend: db.name, holder },
				);
			const [row] = await tx.all("SELECT 1 AS found FROM xs_sessions WHERE session_id = ?", [
				sessionId,
			]);
			await deleteSessionRows(tx, sessionId);
			await tx.run("DELETE FROM xs_leases WHERE session_id = ?", [sessionId]);
			return row !== undefined;
		}),
	);
}

/** Runs `use` on a driver made for one call, closed after it. */
export async function withDriver<T>(
	driver: SqlDriver,
	use: (d: SqlDriver) => Promise<T>,
): Promise<T> {
	try {
		return await use(driver);
	} finally {
		await driver.close?.();
	}
}
