import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname, resolve as resolvePath } from "node:path";
import { SessionBackendError } from "@x/session-core";
import { checkOwnerOnly } from "@x/session-core/node";

// A libSQL database in a local file: its path, its creation 0600, the files of an embedded
// replica.

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
