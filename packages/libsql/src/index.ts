import { SqlSessionBackend, type SqlSessionOptions } from "@x/session-core/sql";
import { type LibsqlConnectOptions, libsqlDriver, mapError } from "./driver.js";

export { displayUrl, type LibsqlConnectOptions, libsqlDriver } from "./driver.js";

/** Options of `LibsqlSessionBackend.open`: the connection and the SQL session options. */
export interface LibsqlSessionOptions extends LibsqlConnectOptions, SqlSessionOptions {}

/** A session in a libSQL / Turso database; many sessions share one database. */
export type LibsqlSessionBackend = SqlSessionBackend;

async function withDriver<T>(
	options: LibsqlConnectOptions,
	use: (d: ReturnType<typeof libsqlDriver>) => Promise<T>,
): Promise<T> {
	const opened = libsqlDriver(options);
	try {
		return await use(opened);
	} finally {
		await opened.driver.close?.();
	}
}

/**
 * The libSQL backend on @libsql/client: a local file, `:memory:`, a remote sqld/Turso database
 * (URL + auth token), or an embedded replica (a local file plus `syncUrl`, synced on open).
 * Same schema, migrations, leases and semantics as `@x/session-sqlite` (the SQL is shared,
 * in `@x/session-core/sql`).
 */
export const LibsqlSessionBackend = {
	async open(options: LibsqlSessionOptions): Promise<LibsqlSessionBackend> {
		const { driver, client } = libsqlDriver(options);
		if (!options.client && options.url?.startsWith("file:") && !options.syncUrl) {
			// as the SQLite backend: WAL, a commit survives a process crash without an fsync each
			await client.execute("PRAGMA journal_mode = WAL").catch(() => undefined);
			await client.execute("PRAGMA synchronous = NORMAL").catch(() => undefined);
		}
		if (options.syncUrl) {
			try {
				await client.sync();
			} catch (error) {
				await driver.close?.();
				throw mapError(error, "sync", driver.location, [options.authToken ?? ""].filter(Boolean));
			}
		}
		return SqlSessionBackend.open(driver, options);
	},
	/** The session ids stored in the database. */
	listSessions(options: LibsqlConnectOptions): Promise<string[]> {
		return withDriver(options, ({ driver }) => SqlSessionBackend.listSessions(driver));
	},
	/** Deletes one session that no open backend holds; `false` when it did not exist. */
	deleteSession(options: LibsqlConnectOptions, sessionId: string): Promise<boolean> {
		return withDriver(options, ({ driver }) => SqlSessionBackend.deleteSession(driver, sessionId));
	},
};
