import { statSync } from "node:fs";
import { SessionBackendError } from "../errors.js";

/** The mode as four octal digits (`"0644"`) when group or others may use the file, else `undefined`. */
export function looseMode(mode: number): string | undefined {
	if ((mode & 0o077) === 0) return undefined;
	return (mode & 0o777).toString(8).padStart(4, "0");
}

/** `"<path> has mode 0644: other users can read the auth keys"`. */
export function looseModeMessage(path: string, mode: string): string {
	return `${path} has mode ${mode}: other users can read the auth keys`;
}

/**
 * Refuses (`INVALID_ARGUMENT`) an existing file that group or others may read or write: it holds
 * auth keys. Checked before the file is opened, so a refused open changes nothing.
 */
export function checkOwnerOnly(path: string, backend: string): void {
	const info = statSync(path);
	// a directory's 0755 would otherwise read as "chmod 600 it", which is the wrong advice
	if (info.isDirectory()) throw directoryGiven(path, backend);
	const mode = looseMode(info.mode);
	if (mode === undefined) return;
	throw new SessionBackendError(
		"INVALID_ARGUMENT",
		`${looseModeMessage(path, mode)}; run chmod 600 on it`,
		{ backend },
	);
}

/** `INVALID_ARGUMENT` for a directory given where a database or session file belongs. */
function directoryGiven(path: string, backend: string): SessionBackendError {
	return new SessionBackendError(
		"INVALID_ARGUMENT",
		`${path} is a directory, not a database or session file; give the path of a file in it (e.g. ${path}/sessions.db)`,
		{ backend },
	);
}
