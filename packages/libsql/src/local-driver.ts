import { hostname } from "node:os";
import { type Client, createClient } from "@libsql/client";
import { SessionBackendError } from "@x/session-core";
import { createBackupFile, isProcessAlive, lookupSliceUsed } from "@x/session-core/node";
import type { SqlValue } from "@x/session-core/sql";
import type { LibsqlDriver } from "./driver.js";
import { mapError } from "./errors.js";
import { fileQueue } from "./file-queue.js";
import { bound, checkpoint, type LocalConnection, queued } from "./local-connection.js";

const BACKEND = "libsql";

/**
 * A driver for one session on a local file's connection. `release` is what its `close()` does:
 * give back its share of the connection (the last share closes it) or close a connection of its
 * own. `url` is the file's URL, for messages and for the `client` property.
 */
export function localDriver(
	c: LocalConnection,
	url: string,
	release: () => Promise<void>,
): LibsqlDriver {
	const { db, direct, snapshot, statements, key } = c;
	const location = url.replace(/\?.*$/, "");
	/** A @libsql/client client on the same file, for callers of `driver.client` only. */
	let client: Client | undefined;
	let closed = false;
	return {
		get client() {
			client ??= createClient({ url, intMode: "bigint" });
			return client;
		},
		async sync() {
			throw new SessionBackendError(
				"INVALID_ARGUMENT",
				`sync: ${location} is not an embedded replica (open it with syncUrl)`,
				{ backend: BACKEND },
			);
		},
		name: BACKEND,
		location,
		processInfo: { pid: process.pid, host: hostname() },
		leaseKeeper: c.keeper,
		run: (sql, params) => queued(c, () => direct.run(sql, params)),
		all: (sql, params) => queued(c, () => direct.all(sql, params)),
		// the statements' rows are arrays already: a full load builds no object per peer
		allValues: (sql, params) =>
			queued(c, async () => {
				const s = statements.get(sql, "all");
				if (s.raw) return s.statement.all(bound(params)) as SqlValue[][];
				s.statement.run(bound(params)); // not a query: as `all` runs it
				return [];
			}),
		readNow(sql, params, urgent) {
			// not inside (or ahead of) a transaction on this file: it would see uncommitted rows;
			// and not once this turn's slice of synchronous work is used (the queue lets the loop turn)
			if (fileQueue.busy(key) || (!snapshot.open && db.inTransaction)) return undefined;
			if (!urgent && lookupSliceUsed()) return undefined;
			const p = statements.get(sql, "get");
			snapshot.begin();
			return (p.statement.get(bound(params)) as SqlValue[] | undefined) ?? null;
		},
		transaction: (fn) =>
			queued(c, async () => {
				db.exec("BEGIN IMMEDIATE");
				try {
					const result = await fn(direct);
					db.exec("COMMIT");
					return result;
				} catch (error) {
					if (db.open && db.inTransaction) db.exec("ROLLBACK");
					throw error;
				}
			}),
		async backup() {
			const dest = createBackupFile(c.path);
			await queued(c, () => direct.run("VACUUM INTO ?", [dest]));
			return dest;
		},
		isProcessAlive,
		mapError: (error, operation) => mapError(error, operation, location, []),
		checkpoint: () => checkpoint(c),
		async close() {
			if (closed) return;
			closed = true;
			client?.close();
			await release();
		},
	};
}
