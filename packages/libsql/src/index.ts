import type { Client } from "@libsql/client";
import { SqlSessionBackend, type SqlSessionOptions } from "@x/session-core/sql";
import { type LibsqlConnectOptions, libsqlDriver } from "./driver.js";

export { displayUrl, type LibsqlConnectOptions, libsqlDriver } from "./driver.js";

/** Options of `LibsqlSessionBackend.open`: the connection and the SQL session options. */
export interface LibsqlSessionOptions extends LibsqlConnectOptions, SqlSessionOptions {}

/** A session in a libSQL / Turso database; many sessions share one database. */
export type LibsqlSessionBackend = SqlSessionBackend & {
	/**
	 * Embedded replicas: writes what is pending (`flush()`), then pulls the remote's changes into
	 * the local file. Rejects `INVALID_ARGUMENT` when the database is not a replica, `CLOSED` after
	 * `close()`, and `CONNECTION`/`TIMEOUT`/`AUTH` when the remote cannot be reached.
	 */
	sync(): Promise<void>;
};

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
/** True when the database has tables and none of them is x-session's (`xs_…`). */
async function holdsOnlyOthersTables(client: Client): Promise<boolean> {
	const { rows } = await client
		.execute(
			"SELECT count(*) AS tables, count(CASE WHEN name LIKE 'xs\\_%' ESCAPE '\\' THEN 1 END) AS ours FROM sqlite_master WHERE type = 'table'",
		)
		.catch(() => ({ rows: [] }));
	const row = rows[0];
	return !!row && Number(row.tables) > 0 && Number(row.ours) === 0;
}

export const LibsqlSessionBackend = {
	async open(options: LibsqlSessionOptions): Promise<LibsqlSessionBackend> {
		const { driver, client, sync } = libsqlDriver(options);
		if (
			!options.client &&
			options.url?.startsWith("file:") &&
			!options.syncUrl &&
			!options.readOnly
		) {
			// as the SQLite backend: WAL, and synchronous=FULL unless the caller chose NORMAL; a
			// database with tables but none of ours keeps its journal mode (a refused open changes
			// no byte)
			const level = options.synchronous === "normal" ? "NORMAL" : "FULL";
			if (!(await holdsOnlyOthersTables(client)))
				await client.execute("PRAGMA journal_mode = WAL").catch(() => undefined);
			await client.execute(`PRAGMA synchronous = ${level}`).catch(() => undefined);
		}
		if (options.syncUrl) {
			try {
				await sync();
			} catch (error) {
				await driver.close?.();
				throw error;
			}
		}
		const backend = await SqlSessionBackend.open(driver, options);
		return Object.assign(backend, {
			async sync() {
				await backend.flush();
				await sync();
			},
		});
	},
	/** The session ids stored in the database. */
	listSessions(options: LibsqlConnectOptions): Promise<string[]> {
		return withDriver({ ...options, readOnly: true }, ({ driver }) =>
			SqlSessionBackend.listSessions(driver),
		);
	},
	/** Deletes one session that no open backend holds; `false` when it did not exist. */
	deleteSession(options: LibsqlConnectOptions, sessionId: string): Promise<boolean> {
		return withDriver(options, ({ driver }) => SqlSessionBackend.deleteSession(driver, sessionId));
	},
};
