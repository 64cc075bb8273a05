import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname, resolve as resolvePath } from "node:path";
import type { Client } from "@libsql/client";
import { SessionBackendError } from "@x/session-core";
import { checkOwnerOnly } from "@x/session-core/node";

// A libSQL database in a local file: its path, its creation 0600, the files of an embedded
// replica, and the settings the SQLite backend uses too (WAL, synchronous).

const BACKEND = "libsql";

/** The path of a `file:` URL; `undefined` for any other URL. */
export function localPath(url: string | undefined): string | undefined {
	if (!url?.startsWith("file:")) return undefined;
	return decodeURIComponent(
		url
			.slice(5)
			.replace(/\?.*$/, "")
			.replace(/^\/\/(?=\/)/, ""),
	);
}

/**
 * Creates a local database file 0600 (so its journal is too) and the missing directories above
 * it 0700; refuses one readable by others, and a directory.
 */
export function prepareLocalFile(path: string, create: boolean): void {
	if (path === ":memory:" || path === "") return;
	if (!existsSync(path)) {
		// missing directories are created 0700, as by every backend (a replica's too: libSQL
		// would report a missing one as a misleading connection error)
		try {
			mkdirSync(dirname(resolvePath(path)), { recursive: true, mode: 0o700 });
		} catch (error) {
			throw new SessionBackendError(
				"IO",
				`cannot create the directory of ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
				{ backend: BACKEND, cause: error },
			);
		}
		if (!create) return;
		try {
			closeSync(openSync(path, "a", 0o600));
		} catch (error) {
			throw new SessionBackendError(
				"IO",
				`cannot create ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
				{ backend: BACKEND, cause: error },
			);
		}
	}
	checkOwnerOnly(path, BACKEND);
}

/** The replica's database and the files libSQL keeps beside it, 0600. */
export function restrictReplicaFiles(path: string): void {
	for (const suffix of ["", "-wal", "-shm", "-info", "-client_wal_index"])
		if (existsSync(path + suffix)) chmodSync(path + suffix, 0o600);
}

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

/**
 * As the SQLite backend: WAL, and synchronous=FULL unless the caller chose NORMAL. A database
 * with tables but none of ours keeps its journal mode (a refused open changes no byte).
 */
export async function configureLocalFile(client: Client, synchronous?: "normal" | "full") {
	const level = synchronous === "normal" ? "NORMAL" : "FULL";
	if (!(await holdsOnlyOthersTables(client)))
		await client.execute("PRAGMA journal_mode = WAL").catch(() => undefined);
	await client.execute(`PRAGMA synchronous = ${level}`).catch(() => undefined);
}
