import { mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { CliError, EXIT } from "../errors.js";

/** What is at a local path: nothing, a regular file (with its size), or something else. */
export type PathKind = { kind: "missing" } | { kind: "file"; size: number } | { kind: "directory" };

/**
 * Looks at `path` without opening it. A path that cannot be reached (a directory above it not
 * searchable, EACCES) is an error saying so, never "no such file": `existsSync` says false for
 * both, which sent users looking for a file that is there.
 */
export async function pathKind(path: string): Promise<PathKind> {
	try {
		const info = await stat(path);
		if (info.isDirectory()) return { kind: "directory" };
		return { kind: "file", size: info.size };
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === "ENOENT" || code === "ENOTDIR" || code === "ENAMETOOLONG")
			return { kind: "missing" };
		if (code === "EACCES" || code === "EPERM")
			throw new CliError(
				EXIT.FAILURE,
				`cannot reach ${path}: permission denied (${code}) on a directory above it; it may exist. Run x-session as a user who can open ${dirname(path)}`,
				{ cause: error },
			);
		throw error;
	}
}

/**
 * The rule for missing directories, the same for every local target and every local backend
 * (file, SQLite, libSQL): a write creates the missing directories above the store, 0700; a read
 * never creates anything and reports the store as missing.
 */
export async function ensureParentDirectory(path: string): Promise<void> {
	await mkdir(dirname(path), { recursive: true, mode: 0o700 });
}

/** The usage error for a directory given where a file belongs. */
export function directoryGiven(path: string, example: string): CliError {
	return new CliError(
		EXIT.USAGE,
		`${path} is a directory; give the path of a file in it, e.g. ${example}`,
	);
}

/** The one description of an empty file, the same for every command. */
export function emptyFile(display: string): string {
	return `${display} is an empty file (0 bytes): it holds no session (x-session never writes an empty file; it was cut short or made by another program)`;
}
