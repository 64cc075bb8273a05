import { closeSync, openSync } from "node:fs";

/** Where the copy of `path` taken before a one-way import goes: `<path>.ferogram-backup-<time>`. */
export function backupPath(path: string, now: Date = new Date()): string {
	return `${path}.ferogram-backup-${now.toISOString().replace(/[:.]/g, "-")}`;
}

/**
 * Creates the empty backup file 0600 (failing if it exists, so nothing is overwritten) and
 * returns its path; the caller then copies the database into it.
 */
export function createBackupFile(path: string): string {
	const dest = backupPath(path);
	closeSync(openSync(dest, "wx", 0o600));
	return dest;
}
