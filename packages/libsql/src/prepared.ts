import type Database from "libsql";

type Db = InstanceType<typeof Database>;
type Statement = ReturnType<Db["prepare"]>;

/** A statement prepared once: rows as arrays of values (`raw`), integers as bigint. */
export interface Prepared {
	readonly statement: Statement;
	/** Whether it returns rows (then in raw mode: arrays of values, in `columns` order). */
	readonly raw: boolean;
	readonly columns: readonly string[];
	run(params: unknown[]): { changes: number };
}

/**
 * How a statement is used. Each use has statements of its own: libsql's `get` binds without
 * resetting the statement first (it resets after), so a statement last stepped by `run` or `all`
 * would answer a `get` with the previous call's parameters.
 */
export type StatementUse = "run" | "all" | "get";

/** The statements of one connection, by use and text. */
export interface PreparedStatements {
	get(sql: string, use: StatementUse): Prepared;
	/**
	 * Drops every statement (once the connection is closed): libsql closes a connection's files
	 * only when the garbage collector has freed the last of its statements.
	 */
	clear(): void;
}

/**
 * More texts than the SQL layer uses (its batch statements come in a few padded sizes): a
 * connection never holds more statements than this per use; the least recently prepared goes
 * first.
 */
const MAX_STATEMENTS = 512;

/** Prepares each statement text once per connection (libsql frees a statement only on GC). */
export function preparedStatements(db: Db): PreparedStatements {
	const caches: Record<StatementUse, Map<string, Prepared>> = {
		run: new Map(),
		all: new Map(),
		get: new Map(),
	};
	return {
		get(sql, use) {
			const cache = caches[use];
			let p = cache.get(sql);
			if (p) return p;
			const statement = db.prepare(sql);
			statement.safeIntegers(true);
			const raw = statement.reader;
			if (raw) statement.raw(true);
			p = {
				statement,
				raw,
				columns: raw ? statement.columns().map((c) => c.name) : [],
				run: (params) => statement.run(params) as { changes: number },
			};
			if (cache.size >= MAX_STATEMENTS) cache.delete(cache.keys().next().value as string);
			cache.set(sql, p);
			return p;
		},
		clear() {
			for (const cache of Object.values(caches)) cache.clear();
		},
	};
}
