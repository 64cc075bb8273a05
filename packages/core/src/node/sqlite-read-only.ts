import { existsSync, readFileSync } from "node:fs";

/**
 * What to open an SQLite file from so that reading it writes nothing beside it. SQLite creates
 * `-wal` and `-shm` files when it opens a WAL-mode database, even read-only. With no `-wal`
 * present the file holds the whole database, so its bytes are returned, marked as rollback-journal
 * mode (header bytes 18–19) so that an in-memory open takes them; with a `-wal` present (the
 * database is open elsewhere, or was not checkpointed) the path is returned, to be opened
 * read-only in place. Throws what `readFileSync` throws (ENOENT, EISDIR, EACCES).
 */
export function sqliteReadOnlySource(path: string): string | Buffer {
	if (existsSync(`${path}-wal`)) return path;
	const bytes = readFileSync(path);
	if (bytes.length >= 20 && bytes[18] === 2 && bytes[19] === 2) {
		bytes[18] = 1;
		bytes[19] = 1;
	}
	return bytes;
}
