import { existsSync } from "node:fs";
import { SharedResources } from "@x/session-core/backend";
import { checkOwnerOnly } from "@x/session-core/node";
import type { SqlDriver } from "@x/session-core/sql";
import {
	checkDriverOptions,
	closeConnection,
	connectionDriver,
	createFile,
	fileKey,
	openConnection,
	type SqliteConnection,
	type SqliteDriverTarget,
	sqliteDriver,
} from "./driver.js";

const BACKEND = "sqlite";

/**
 * The connections this process opened on database files, one per file (its real path) and
 * driver options, shared by every session opened on it and closed with the last of them. A
 * thousand accounts in one file cost one connection (2 descriptors: the database and its -wal,
 * plus the -shm map) instead of a thousand.
 */
const connections = new SharedResources<SqliteConnection>(closeConnection);

/** Whether sessions opened on `target` share a connection: a file path, opened to write. */
function shareable(
	target: SqliteDriverTarget,
): target is SqliteDriverTarget & { database: string } {
	return typeof target.database === "string" && target.database !== ":memory:" && !target.readOnly;
}

/** What tells two opens of one file apart: options that are the connection's own. */
function sharingKey(path: string, target: SqliteDriverTarget): string {
	const { synchronous = "full", busyTimeout = 5000, mmapSize } = target;
	return JSON.stringify([fileKey(path), synchronous, busyTimeout, mmapSize ?? null]);
}

/**
 * A driver for one session: on a database file, a share of the process's connection to it
 * (its `close()` gives the share back, the last one closes the connection); on `":memory:"`,
 * a read-only open or a caller's `Database`, what {@link sqliteDriver} makes.
 */
export async function sharedSqliteDriver(target: SqliteDriverTarget): Promise<SqlDriver> {
	if (!shareable(target)) return sqliteDriver(target);
	const path = target.database;
	checkDriverOptions(target);
	// created (0600, directories 0700) and checked before its real path is known
	if (!existsSync(path)) createFile(path);
	checkOwnerOnly(path, BACKEND);
	const share = await connections.acquire(sharingKey(path, target), () => openConnection(target));
	return connectionDriver(share.value, () => share.release());
}

/** How many sessions share the connection to `target` now (0: none is open); for tests. */
export function connectionHolders(target: SqliteDriverTarget & { database: string }): number {
	return connections.holders(sharingKey(target.database, target));
}
