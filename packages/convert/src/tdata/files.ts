// Node file access for tdata folders: which copy of a file to read, and atomic 0600 writes.
import { randomBytes } from "node:crypto";
import { constants, promises as fs } from "node:fs";
import { join } from "node:path";
import { isSessionError } from "@x/session-core";
import { corrupt, ioError } from "../errors.js";
import { decodeTdf, encodeTdf, type TdfFile } from "./container.js";
import type { TdataCrypto } from "./crypto.js";

/** Larger files are not tdata files of the kinds read here (bounded memory on foreign input). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/**
 * The copies Desktop would read, in its order: `<name>s` alone when it exists, else `<name>0` and
 * `<name>1`, the more recently modified first.
 */
async function candidates(dir: string, name: string): Promise<string[]> {
	const mtime = async (file: string) => (await fs.stat(join(dir, file)).catch(() => null))?.mtimeMs;
	if ((await mtime(`${name}s`)) !== undefined) return [`${name}s`];
	const t0 = await mtime(`${name}0`);
	const t1 = await mtime(`${name}1`);
	const found: [string, number][] = [];
	if (t0 !== undefined) found.push([`${name}0`, t0]);
	if (t1 !== undefined) found.push([`${name}1`, t1]);
	return found.sort((a, b) => b[1] - a[1]).map(([file]) => file);
}

/**
 * Reads and checks the container of `name`, trying the copies in Desktop's order; a damaged copy
 * falls back to the next one. `null` when no copy exists.
 */
export async function readTdfFile(
	crypto: TdataCrypto,
	dir: string,
	name: string,
): Promise<(TdfFile & { file: string; bytes: number }) | null> {
	const files = await candidates(dir, name);
	let lastError: unknown;
	for (const file of files) {
		try {
			const path = join(dir, file);
			const { size } = await fs.stat(path);
			if (size > MAX_FILE_BYTES)
				throw corrupt(`${file} is ${size} bytes, too large for a tdata file of this kind`);
			const bytes = new Uint8Array(await fs.readFile(path));
			return { ...decodeTdf(crypto, bytes, file), file, bytes: bytes.length };
		} catch (error) {
			if (!isSessionError(error)) throw ioError(`cannot read ${file}`, error);
			lastError = error;
		}
	}
	if (lastError) throw lastError;
	return null;
}

/** Writes `<name>s` (a container around `payload`) atomically: temp file, fsync, rename. */
export async function writeTdfFile(
	crypto: TdataCrypto,
	dir: string,
	name: string,
	payload: Uint8Array,
): Promise<string> {
	const target = join(dir, `${name}s`);
	const temp = join(dir, `.${name}s.${randomBytes(6).toString("hex")}.tmp`);
	try {
		const handle = await fs.open(
			temp,
			constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
			0o600,
		);
		try {
			await handle.writeFile(encodeTdf(crypto, payload));
			await handle.sync();
		} finally {
			await handle.close();
		}
		await fs.rename(temp, target);
		return target;
	} catch (error) {
		await fs.rm(temp, { force: true }).catch(() => {});
		throw ioError(`cannot write ${name}s`, error);
	}
}

/**
 * Removes every copy of `name` (`s`, `0`, `1`): on overwrite, a file of the account written
 * before must not outlive it (a missing one is fine).
 */
export async function removeTdfFiles(dir: string, name: string): Promise<void> {
	for (const suffix of ["s", "0", "1"]) {
		await fs.rm(join(dir, `${name}${suffix}`), { force: true }).catch((cause: unknown) => {
			throw ioError(`cannot remove the old ${name}${suffix}`, cause);
		});
	}
}

/** Creates a directory with mode 0700 (parents too); an existing one is left as it is. */
export async function makeDir(path: string): Promise<void> {
	try {
		await fs.mkdir(path, { recursive: true, mode: 0o700 });
	} catch (error) {
		throw ioError("cannot create the tdata directory", error);
	}
}

/** fsync of a directory, so renames in it survive a crash (best effort where unsupported). */
export async function syncDir(path: string): Promise<void> {
	const handle = await fs.open(path, constants.O_RDONLY).catch(() => null);
	if (!handle) return;
	try {
		await handle.sync().catch(() => {});
	} finally {
		await handle.close();
	}
}
