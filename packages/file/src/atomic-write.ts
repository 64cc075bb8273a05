import { randomBytes } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";
import { SessionBackendError } from "@x/session-core";
import { isProcessAlive } from "@x/session-core/node";
import { CREATE_EXCLUSIVE, type FileSystem, reason } from "./fs.js";
import { BACKEND } from "./options.js";

const TEMP_SUFFIX = ".xs-tmp";

/** `<name>.<pid>.<random>.xs-tmp` beside the target: unique, and tells which process wrote it. */
export function tempPathFor(path: string): string {
	return join(
		dirname(path),
		`${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`,
	);
}

/** The pid in a temp file name of `path`, or `undefined` when `name` is not one of ours. */
export function tempFileOwner(path: string, name: string): number | undefined {
	const prefix = `${basename(path)}.`;
	if (!name.startsWith(prefix) || !name.endsWith(TEMP_SUFFIX)) return undefined;
	const m = /^(\d+)\.[0-9a-f]{12}$/.exec(name.slice(prefix.length, -TEMP_SUFFIX.length));
	return m ? Number(m[1]) : undefined;
}

/**
 * Replaces `path` with `bytes` so that a crash at any instant leaves the old file or the new one:
 * write a 0600 temp file in the same directory, fsync it, rename it over the target, fsync the
 * directory. On failure the temp file is removed and the target is untouched.
 */
export async function writeFileAtomic(
	fs: FileSystem,
	path: string,
	bytes: Uint8Array,
): Promise<void> {
	const temp = tempPathFor(path);
	let renamed = false;
	try {
		const file = await fs.open(temp, CREATE_EXCLUSIVE, 0o600);
		try {
			let offset = 0;
			while (offset < bytes.length) {
				const { bytesWritten } = await file.write(bytes, offset, bytes.length - offset);
				offset += bytesWritten;
			}
			await file.sync();
		} finally {
			await file.close();
		}
		await fs.rename(temp, path);
		renamed = true;
		await syncDirectory(fs, dirname(path));
	} catch (error) {
		if (!renamed) await fs.unlink(temp).catch(() => undefined);
		throw renamed ? new DirectorySyncError(error) : error;
	}
}

/**
 * The new file is in place but its directory could not be fsynced: it may not survive a power
 * loss, and the previous file is no longer there to fall back to.
 */
export class DirectorySyncError extends Error {
	constructor(cause: unknown) {
		super("directory fsync failed after the rename", { cause });
	}
}

export async function syncDirectory(fs: FileSystem, dir: string): Promise<void> {
	const handle = await fs.open(dir, "r");
	try {
		await handle.sync();
	} finally {
		await handle.close();
	}
}

/**
 * Removes temp files of this session left by crashed writers. With the lock held no other writer
 * can be running, so every one is stale; without it, only those whose process is gone.
 */
export async function removeStaleTempFiles(
	fs: FileSystem,
	path: string,
	locked: boolean,
): Promise<void> {
	const names = await fs.readdir(dirname(path)).catch(() => [] as string[]);
	for (const name of names) {
		const pid = tempFileOwner(path, name);
		// the lock's own temp files: another process may be about to link one, lock held or not
		const lockPid =
			tempFileOwner(`${path}.lock`, name) ?? tempFileOwner(`${path}.lock.takeover`, name);
		if (pid === undefined && lockPid === undefined) continue;
		if (lockPid !== undefined ? isProcessAlive(lockPid) : !locked && isProcessAlive(pid as number))
			continue;
		await fs.unlink(resolve(dirname(path), name)).catch(() => undefined);
	}
}

/** {@link writeFileAtomic} for the session file: a failure is an `IO` error saying what is intact. */
export async function writeSessionFile(
	fs: FileSystem,
	path: string,
	bytes: Uint8Array,
): Promise<void> {
	try {
		await writeFileAtomic(fs, path, bytes);
	} catch (error) {
		if (error instanceof SessionBackendError) throw error;
		const renamed = error instanceof DirectorySyncError;
		const why = reason(renamed ? error.cause : error);
		throw new SessionBackendError(
			"IO",
			renamed
				? `wrote ${path} but could not fsync its directory (${why}); the save may not survive a power loss`
				: `cannot save ${path}; the previous file is intact (${why})`,
			{ backend: BACKEND, cause: renamed ? error.cause : error },
		);
	}
}
