import {
	deleteSqlSession,
	listSqlSessions,
	prepareSqlSession,
	SqlSessionBackend,
	type SqlSessionOptions,
	withDriver,
} from "@x/session-core/sql";
import { type PostgresConnectOptions, postgresDriver } from "./driver.js";

/** Options of `PostgresSessionBackend.open`: the connection and the SQL session options. */
export interface PostgresSessionOptions extends PostgresConnectOptions, SqlSessionOptions {}

/**
 * A session in a PostgreSQL database on `pg`; many sessions share one schema. The schema and
 * semantics of the SQLite backend (shared in `@x/session-core/sql`), in PostgreSQL's types
 * (`postgresDialect`): migrations under an advisory lock, peer batches as one `unnest`
 * statement, leases read `FOR SHARE`.
 */
export class PostgresSessionBackend extends SqlSessionBackend {
	static async open(options: PostgresSessionOptions): Promise<PostgresSessionBackend> {
		return new PostgresSessionBackend(await prepareSqlSession(postgresDriver(options), options));
	}

	/** The session ids stored in the schema, sorted; a read that creates nothing. */
	static listSessions(options: PostgresConnectOptions): Promise<string[]> {
		return withDriver(postgresDriver({ ...options, readOnly: true }), listSqlSessions);
	}

	/** Deletes one session that no open backend holds; `false` when it did not exist. */
	static deleteSession(options: PostgresConnectOptions, sessionId: string): Promise<boolean> {
		return withDriver(postgresDriver(options), (d) => deleteSqlSession(d, sessionId));
	}
}
