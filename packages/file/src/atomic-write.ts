import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { CREATE_EXCLUSIVE, type FileSystem } from "./fs.js";

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
