import { SqlSessionBackend, type SqlSessionOptions } from "@x/session-core/sql";
import { type PostgresConnectOptions, postgresDriver } from "./driver.js";

export { displayConnection, type PostgresConnectOptions, postgresDriver } from "./driver.js";

/** Options of `PostgresSessionBackend.open`: the connection and the SQL session options. */
export interface PostgresSessionOptions extends PostgresConnectOptions, SqlSessionOptions {}

/** A session in a PostgreSQL database; many sessions share one schema. */
export type PostgresSessionBackend = SqlSessionBackend;

async function withDriver<T>(
	options: PostgresConnectOptions,
	use: (d: ReturnType<typeof postgresDriver>) => Promise<T>,
): Promise<T> {
	const driver = postgresDriver(options);
	try {
		return await use(driver);
	} finally {
		await driver.close?.();
	}
}

/**
 * The PostgreSQL backend on `pg`: the schema and semantics of the SQLite backend (shared in
 * `@x/session-core/sql`), in PostgreSQL's types, with migrations under an advisory lock and
 * peer batches as one `unnest` statement.
 */
export const PostgresSessionBackend = {
	async open(options: PostgresSessionOptions): Promise<PostgresSessionBackend> {
		return SqlSessionBackend.open(postgresDriver(options), options);
	},
	/** The session ids stored in the schema. */
	listSessions(options: PostgresConnectOptions): Promise<string[]> {
		return withDriver({ ...options, readOnly: true }, (d) => SqlSessionBackend.listSessions(d));
	},
	/** Deletes one session that no open backend holds; `false` when it did not exist. */
	deleteSession(options: PostgresConnectOptions, sessionId: string): Promise<boolean> {
		return withDriver(options, (d) => SqlSessionBackend.deleteSession(d, sessionId));
	},
};
