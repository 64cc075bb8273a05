import {
	deleteSqlSession,
	listSqlSessions,
	prepareSqlSession,
	SqlSessionBackend,
	type SqlSessionOptions,
	withDriver,
} from "@x/session-core/sql";
import type Database from "better-sqlite3";
import { type SqliteDriverOptions, type SqliteDriverTarget, sqliteDriver } from "./driver.js";
import { sharedSqliteDriver } from "./shared.js";

/** Options of `SqliteSessionBackend.open`: the database, the driver and the SQL session options. */
export interface SqliteSessionOptions extends SqlSessionOptions, SqliteDriverOptions {
	/** A file path (created 0600), `":memory:"`, or an open better-sqlite3 Database (not closed by us). */
	database: string | Database.Database;
}

/** The database of `listSessions`/`deleteSession`: open's options, or (deprecated) the database alone. */
export type SqliteDatabase = SqliteDriverTarget | string | Database.Database;

function target(database: SqliteDatabase): SqliteDriverTarget {
	return typeof database === "object" && "database" in database ? database : { database };
}

/**
 * A session in a SQLite database on better-sqlite3; many sessions (accounts) share one database.
 * `open()` migrates the schema (and, with `migrateForeign: true`, imports a ferogram/layer
 * database in place after a 0600 backup copy), takes the session's lease and returns a
 * `SessionBackend` named `"sqlite"`. With `readOnly: true` it changes nothing and creates no file.
 */
export class SqliteSessionBackend extends SqlSessionBackend {
	static async open(options: SqliteSessionOptions): Promise<SqliteSessionBackend> {
		return new SqliteSessionBackend(
			await prepareSqlSession(await sharedSqliteDriver(options), options),
		);
	}

	/** The session ids stored in the database, sorted; a read that creates nothing. */
	static listSessions(database: SqliteDatabase): Promise<string[]> {
		return withDriver(sqliteDriver({ ...target(database), readOnly: true }), listSqlSessions);
	}

	/** Deletes one session that no open backend holds; `false` when it did not exist. */
	static async deleteSession(database: SqliteDatabase, sessionId: string): Promise<boolean> {
		return withDriver(await sharedSqliteDriver(target(database)), (d) =>
			deleteSqlSession(d, sessionId),
		);
	}
}

/** @deprecated Use `SqliteSessionBackend.listSessions({ database })`. */
export function listSqliteSessions(database: SqliteDatabase): Promise<string[]> {
	return SqliteSessionBackend.listSessions(database);
}

/** @deprecated Use `SqliteSessionBackend.deleteSession({ database }, sessionId)`. */
export function deleteSqliteSession(database: SqliteDatabase, sessionId: string): Promise<boolean> {
	return SqliteSessionBackend.deleteSession(database, sessionId);
}
