import { SqlSessionBackend, type SqlSessionOptions } from "@x/session-core/sql";
import type Database from "better-sqlite3";
import { type SqliteDriverOptions, sqliteDriver } from "./driver.js";

export { type SqliteDriverOptions, sqliteDriver } from "./driver.js";

/** Options of `SqliteSessionBackend.open`: the database, the driver and the SQL session options. */
export interface SqliteSessionOptions extends SqlSessionOptions, SqliteDriverOptions {
	/** A file path (created 0600), `":memory:"`, or an open better-sqlite3 Database (not closed by us). */
	database: string | Database.Database;
}

/** A session in a SQLite database; many sessions (accounts) share one database. */
export type SqliteSessionBackend = SqlSessionBackend;

/**
 * The SQLite backend on better-sqlite3. `open()` migrates the schema (and, with
 * `migrateForeign: true`, imports a ferogram/layer database in place after a 0600 backup copy),
 * takes the session's lease and returns a `SessionBackend` named `"sqlite"`. With
 * `readOnly: true` it changes nothing and creates no file.
 */
export const SqliteSessionBackend = {
	async open(options: SqliteSessionOptions): Promise<SqliteSessionBackend> {
		return SqlSessionBackend.open(sqliteDriver(options.database, options), options);
	},
	/** The session ids stored in the database. */
	listSessions: listSqliteSessions,
	/** Deletes one session that no open backend holds; `false` when it did not exist. */
	deleteSession: deleteSqliteSession,
};

/** The session ids stored in a SQLite database (a path or an open Database, left open). */
export async function listSqliteSessions(database: string | Database.Database): Promise<string[]> {
	const driver = sqliteDriver(database, { readOnly: true });
	try {
		return await SqlSessionBackend.listSessions(driver);
	} finally {
		await driver.close?.();
	}
}

/** Deletes one session that no open backend holds; `false` when it did not exist. */
export async function deleteSqliteSession(
	database: string | Database.Database,
	sessionId: string,
): Promise<boolean> {
	const driver = sqliteDriver(database);
	try {
		return await SqlSessionBackend.deleteSession(driver, sessionId);
	} finally {
		await driver.close?.();
	}
}
