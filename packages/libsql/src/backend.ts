import {
	deleteSqlSession,
	listSqlSessions,
	type PreparedSqlSession,
	prepareSqlSession,
	SqlSessionBackend,
	type SqlSessionOptions,
	withDriver,
} from "@x/session-core/sql";
import { type LibsqlConnectOptions, libsqlDriver } from "./driver.js";
import { sharedLibsqlDriver } from "./shared.js";

/** Options of `LibsqlSessionBackend.open`: the connection and the SQL session options. */
export interface LibsqlSessionOptions extends LibsqlConnectOptions, SqlSessionOptions {}

/**
 * A session in a libSQL / Turso database on @libsql/client: a local file, `:memory:`, a remote
 * sqld/Turso database (URL + auth token), or an embedded replica (a local file plus `syncUrl`,
 * synced on open); many sessions share one database. Same schema, migrations, leases and
 * semantics as `@x/session-sqlite` (the SQLite family's SQL is shared, in
 * `@x/session-core/sql`). A clean `close()` leaves a local file self-contained: the write-ahead
 * log is copied into it and emptied.
 */
export class LibsqlSessionBackend extends SqlSessionBackend {
	readonly #sync: () => Promise<void>;

	private constructor(prepared: PreparedSqlSession, sync: () => Promise<void>) {
		super(prepared);
		this.#sync = sync;
	}

	static async open(options: LibsqlSessionOptions): Promise<LibsqlSessionBackend> {
		const driver = await sharedLibsqlDriver(options);
		if (options.syncUrl) {
			try {
				await driver.sync();
			} catch (error) {
				await driver.close?.();
				throw error;
			}
		}
		return new LibsqlSessionBackend(await prepareSqlSession(driver, options), driver.sync);
	}

	/** The session ids stored in the database, sorted; a read that creates nothing. */
	static listSessions(options: LibsqlConnectOptions): Promise<string[]> {
		return withDriver(libsqlDriver({ ...options, readOnly: true }), listSqlSessions);
	}

	/** Deletes one session that no open backend holds; `false` when it did not exist. */
	static async deleteSession(options: LibsqlConnectOptions, sessionId: string): Promise<boolean> {
		return withDriver(await sharedLibsqlDriver(options), (d) => deleteSqlSession(d, sessionId));
	}

	/**
	 * Embedded replicas: writes what is pending (`flush()`), then pulls the remote's changes into
	 * the local file. Rejects `INVALID_ARGUMENT` when the database is not a replica, `CLOSED` after
	 * `close()`, and `CONNECTION`/`TIMEOUT`/`AUTH` when the remote cannot be reached.
	 */
	async sync(): Promise<void> {
		await this.flush();
		await this.#sync();
	}
}
