import { sqliteReadOnlySource } from "@x/session-core/node";
import type BetterSqlite3 from "better-sqlite3";
import { invalid, ioError } from "./errors.js";

/** A better-sqlite3 connection (the type stays internal: the package does not re-export it). */
export type SqliteDatabase = BetterSqlite3.Database;

let driver: Promise<typeof BetterSqlite3> | undefined;

/** Loads better-sqlite3 on first use; it is an optional peer dependency only the file functions need. */
export async function loadSqlite(): Promise<typeof BetterSqlite3> {
	driver ??= import("better-sqlite3").then(
		(mod) => mod.default,
		(cause: unknown) => {
			driver = undefined;
			throw invalid(
				"reading and writing .session files needs the optional peer dependency better-sqlite3 (npm install better-sqlite3)",
				cause,
			);
		},
	);
	return driver;
}

/**
 * Opens an existing SQLite file read-only with integers as bigints. A missing file is an IO error;
 * a file that is not SQLite surfaces at the first query (see {@link query}).
 */
export async function openReadOnly(path: string): Promise<SqliteDatabase> {
	const Database = await loadSqlite();
	try {
		// a WAL-mode file opened in place would get -wal and -shm files beside it: a read writes nothing
		const source = sqliteReadOnlySource(path);
		const db =
			typeof source === "string"
				? new Database(source, { readonly: true, fileMustExist: true })
				: new Database(source);
		db.defaultSafeIntegers(true);
		return db;
	} catch (cause) {
		throw ioError("cannot open the .session file", cause);
	}
}

/** Names of the tables in the database. */
export function tableNames(db: SqliteDatabase): Set<string> {
	const rows = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
		name: string;
	}[];
	return new Set(rows.map((r) => r.name));
}

/** Column names of a table. */
export function columnNames(db: SqliteDatabase, table: string): Set<string> {
	const rows = db.prepare(`PRAGMA table_info("${table.replace(/"/g, '""')}")`).all() as {
		name: string;
	}[];
	return new Set(rows.map((r) => r.name));
}
