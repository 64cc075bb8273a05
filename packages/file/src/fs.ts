import { constants } from "node:fs";
import * as fsp from "node:fs/promises";
import { SessionBackendError } from "@x/session-core";
import { BACKEND } from "./options.js";

/**
 * The file-system calls the backend makes, so tests can inject faults (EIO, ENOSPC) at any
 * step. The default is `node:fs/promises`.
 */
export interface FileSystem {
	open(path: string, flags: string | number, mode?: number): Promise<fsp.FileHandle>;
	readFile(path: string): Promise<Uint8Array>;
	rename(from: string, to: string): Promise<void>;
	unlink(path: string): Promise<void>;
	stat(path: string): Promise<{ mode: number; isFile(): boolean; mtimeMs: number }>;
	readdir(path: string): Promise<string[]>;
	chmod(path: string, mode: number): Promise<void>;
	mkdir(path: string, options: { recursive: true; mode: number }): Promise<unknown>;
	/**
	 * A hard link that fails with EEXIST when `to` exists: the lock file appears with its owner
	 * already written. Without it (or where the file system has no hard links) the lock file is
	 * created with O_EXCL and then written.
	 */
	link?(from: string, to: string): Promise<void>;
}

/** The {@link FileSystem} on `node:fs/promises`, used unless `fs` is given. */
export const nodeFileSystem: FileSystem = {
	open: (path, flags, mode) => fsp.open(path, flags, mode),
	readFile: async (path) => new Uint8Array(await fsp.readFile(path)),
	rename: fsp.rename,
	unlink: fsp.unlink,
	stat: fsp.stat,
	readdir: (path) => fsp.readdir(path),
	chmod: fsp.chmod,
	mkdir: fsp.mkdir,
	link: fsp.link,
};

/** Creates a new file that must not exist yet, readable by the owner only. */
export const CREATE_EXCLUSIVE = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY;

export function errnoCode(error: unknown): string | undefined {
	return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** A short reason for an fs error, without the path (the caller names it once). */
export function reason(error: unknown): string {
	const e = error as NodeJS.ErrnoException;
	if (e?.code) return `${e.code}${e.syscall ? ` during ${e.syscall}` : ""}`;
	return e instanceof Error ? e.message : String(error);
}

/** Runs a file-system step, turning its error into an `IO` error that says what failed. */
export async function io<T>(what: string, op: () => Promise<T>): Promise<T> {
	try {
		return await op();
	} catch (error) {
		if (error instanceof SessionBackendError) throw error;
		throw new SessionBackendError("IO", `${what} (${reason(error)})`, {
			backend: BACKEND,
			cause: error,
		});
	}
}
