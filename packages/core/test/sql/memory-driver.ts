// An in-memory SQLite driver for core's own tests of the SQL layer: better-sqlite3 on
// ":memory:", integers as bigint, BEGIN IMMEDIATE transactions queued one at a time. The real
// drivers (packages/sqlite, packages/libsql, packages/postgres) add files, WAL and error mapping.
import Database from "better-sqlite3";
import type { SqlDriver, SqlExecutor, SqlParam, SqlRow } from "../../src/sql/driver.js";
import { keyedQueue } from "../../src/sql/util.js";

export interface MemoryDriver extends SqlDriver {
	/** The connection, for looking at the rows a test wrote. */
	readonly db: Database.Database;
}

function executor(db: Database.Database): SqlExecutor {
	const prepare = (sql: string) => {
		const stmt = db.prepare(sql);
		return stmt.reader ? stmt.safeIntegers(true) : stmt;
	};
	return {
		async run(sql, params: readonly SqlParam[] = []) {
			return { changes: prepare(sql).run(...params).changes };
		},
		async all(sql, params: readonly SqlParam[] = []) {
			return prepare(sql).all(...params) as SqlRow[];
		},
	};
}

/** A fresh in-memory database as a driver; `db` shares it with a second driver (another instance). */
export function memoryDriver(
	db: Database.Database = new Database(":memory:"),
	processInfo = { pid: 1, host: "test-host" },
): MemoryDriver {
	const direct = executor(db);
	const queue = keyedQueue();
	return {
		name: "sqlite",
		location: ":memory:",
		db,
		processInfo,
		run: (sql, params) => queue(db, () => direct.run(sql, params)),
		all: (sql, params) => queue(db, () => direct.all(sql, params)),
		transaction: (fn) =>
			queue(db, async () => {
				db.exec("BEGIN IMMEDIATE");
				try {
					const result = await fn(direct);
					db.exec("COMMIT");
					return result;
				} catch (error) {
					if (db.inTransaction) db.exec("ROLLBACK");
					throw error;
				}
			}),
		isProcessAlive: (pid) => pid !== 999_999,
	};
}
