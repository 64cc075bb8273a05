import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { type LockHolder, SessionBackendError, SessionLockedError } from "@x/session-core";
import { isProcessAlive } from "@x/session-core/node";
import { tempPathFor } from "./atomic-write.js";
import { CREATE_EXCLUSIVE, errnoCode, type FileSystem, reason } from "./fs.js";

const BACKEND = "file";
const RETRY_MS = 50;
/** A takeover marker older than this was left by a crash in the middle of a takeover. */
const STALE_TAKEOVER_MS = 10_000;
/**
 * A lock file without a readable owner this long is stale. Locks written here appear with their
 * owner (link), so only a crash of a writer without hard links (or of an older version) between
 * creating and writing it leaves one; such a writer needs milliseconds, not seconds.
 */
const STALE_UNREADABLE_MS = 2_000;

interface LockRecord {
	pid: number;
	host: string;
	startedAt: string;
	token: string;
	/** Linux: the kernel's boot id, so a lock from before a reboot is known stale. */
	bootId?: string;
	/** Linux: the owner's start time (field 22 of /proc/<pid>/stat), to detect a reused pid. */
	procStart?: string;
}

/**
 * Tokens of the locks this process holds, shared by every copy of this module in the process. A
 * lock that names this process's pid with a token not in here was left by an earlier process that
 * had the same pid (a container restarted after a crash runs the bot as pid 1 again).
 */
const HELD_KEY = Symbol.for("x-session.file.heldLocks");
const registry = globalThis as Record<symbol, unknown>;
if (!(registry[HELD_KEY] instanceof Set)) registry[HELD_KEY] = new Set<string>();
const HELD = registry[HELD_KEY] as Set<string>;

/** The boot id on Linux, else `undefined`. */
function bootId(): string | undefined {
	try {
		return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || undefined;
	} catch {
		return undefined;
	}
}

/** When process `pid` started, in clock ticks since boot (Linux), else `undefined`. */
export function processStart(pid: number): string | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
		// "pid (comm) state ppid ...": comm may hold spaces and parentheses; starttime is field 22
		return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
	} catch {
		return undefined;
	}
}

/**
 * A single-writer lock: the file `<session>.lock`, created with O_EXCL and holding the owner's
 * pid, host and a random token. A lock whose process is dead on this host is taken over; a lock
 * held by another host is never broken automatically (its liveness cannot be checked).
 */
export class FileLock {
	private constructor(
		private readonly fs: FileSystem,
		readonly path: string,
		private readonly token: string,
	) {}

	static async acquire(fs: FileSystem, sessionPath: string, waitMs: number): Promise<FileLock> {
		const path = `${sessionPath}.lock`;
		const record: LockRecord = {
			pid: process.pid,
			host: hostname(),
			startedAt: new Date().toISOString(),
			token: randomBytes(12).toString("hex"),
		};
		const boot = bootId();
		const started = processStart(process.pid);
		if (boot) record.bootId = boot;
		if (started) record.procStart = started;
		const deadline = Date.now() + waitMs;
		/** Since when the lock file has been seen without a readable owner (our own clock). */
		let unreadableSince: number | undefined;
		for (;;) {
			if (await tryCreate(fs, path, record)) {
				HELD.add(record.token);
				return new FileLock(fs, path, record.token);
			}
			const holder = await readRecord(fs, path);
			if (holder === undefined) continue; // vanished between create and read: try again
			unreadableSince = holder === null ? (unreadableSince ?? Date.now()) : undefined;
			if (await isStale(fs, path, holder, record.host, unreadableSince)) {
				await takeOver(fs, path, holder);
				continue;
			}
			// an ownerless lock is being written or was left by a crash: wait until it is one or
			// the other, even with lockWaitMs 0 (at most STALE_UNREADABLE_MS)
			const until =
				unreadableSince === undefined
					? deadline
					: Math.max(deadline, unreadableSince + STALE_UNREADABLE_MS);
			if (Date.now() >= until) throw lockedError(sessionPath, holder);
			await new Promise((r) => setTimeout(r, RETRY_MS));
		}
	}

	/** Removes the lock file if it is still ours. */
	async release(): Promise<void> {
		try {
			const current = await readRecord(this.fs, this.path);
			if (current?.token === this.token) await this.fs.unlink(this.path).catch(() => undefined);
		} finally {
			HELD.delete(this.token);
		}
	}
}

/**
 * Creates the lock file holding `record`, or returns `false` when it exists. The record is written
 * and fsynced to a temp file first, then hard-linked into place (link fails if the target exists):
 * a crash at any instant leaves no lock or a complete one, never an empty lock file.
 */
async function tryCreate(fs: FileSystem, path: string, record: LockRecord): Promise<boolean> {
	try {
		if (fs.link) {
			const linked = await tryLink(fs, fs.link, path, record);
			if (linked !== undefined) return linked;
		}
		const file = await fs.open(path, CREATE_EXCLUSIVE, 0o600);
		try {
			await file.writeFile(JSON.stringify(record));
			await file.sync();
		} finally {
			await file.close();
		}
		return true;
	} catch (error) {
		if (errnoCode(error) === "EEXIST") return false;
		throw new SessionBackendError("IO", `cannot create lock file ${path}: ${reason(error)}`, {
			backend: BACKEND,
			cause: error,
		});
	}
}

/** {@link tryCreate} through a hard link; `undefined` when the file system has none. */
async function tryLink(
	fs: FileSystem,
	link: (from: string, to: string) => Promise<void>,
	path: string,
	record: LockRecord,
): Promise<boolean | undefined> {
	const temp = tempPathFor(path);
	try {
		const file = await fs.open(temp, CREATE_EXCLUSIVE, 0o600);
		try {
			await file.writeFile(JSON.stringify(record));
			await file.sync();
		} finally {
			await file.close();
		}
		await link.call(fs, temp, path);
		return true;
	} catch (error) {
		const code = errnoCode(error);
		if (code === "EEXIST") return false;
		if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "ENOSYS")
			return undefined;
		throw error;
	} finally {
		await fs.unlink(temp).catch(() => undefined);
	}
}

/** The lock's record; `null` when unreadable (being written, or garbage); `undefined` when gone. */
async function readRecord(fs: FileSystem, path: string): Promise<LockRecord | null | undefined> {
	let text: string;
	try {
		text = new TextDecoder().decode(await fs.readFile(path));
	} catch (error) {
		if (errnoCode(error) === "ENOENT") return undefined;
		throw new SessionBackendError("IO", `cannot read lock file ${path}: ${reason(error)}`, {
			backend: BACKEND,
			cause: error,
		});
	}
	try {
		const r = JSON.parse(text) as LockRecord;
		return typeof r.pid === "number" && typeof r.host === "string" ? r : null;
	} catch {
		return null;
	}
}

/**
 * A lock is stale when its owner on this host is gone: the host booted since (boot id), the pid
 * is this process's own but the lock is not one this process holds (pid reuse after a restart,
 * e.g. pid 1 in a container), the pid is dead, or the pid now belongs to a process that started
 * later (start time). A lock file left without a readable owner is stale after 2 s.
 * A lock of another host is never stale: its process cannot be checked.
 */
async function isStale(
	fs: FileSystem,
	path: string,
	holder: LockRecord | null,
	host: string,
	unreadableSince: number | undefined,
) {
	if (holder) {
		if (holder.host !== host) return false;
		const boot = bootId();
		if (holder.bootId && boot && holder.bootId !== boot) return true;
		if (holder.pid === process.pid) return !HELD.has(holder.token);
		if (!isProcessAlive(holder.pid)) return true;
		const started = holder.procStart && processStart(holder.pid);
		return started !== undefined && started !== "" && started !== holder.procStart;
	}
	// by its age, or by how long this process has seen it so (an mtime in the future)
	if (unreadableSince !== undefined && Date.now() - unreadableSince >= STALE_UNREADABLE_MS)
		return true;
	const info = await fs.stat(path).catch(() => undefined);
	return info !== undefined && Date.now() - info.mtimeMs >= STALE_UNREADABLE_MS;
}

/**
 * Removes a dead owner's lock. Takers serialize on `<lock>.takeover` (O_EXCL) and re-check the
 * lock under it, so two processes that both saw the dead lock cannot both remove a live one.
 */
async function takeOver(fs: FileSystem, path: string, dead: LockRecord | null): Promise<void> {
	const marker = `${path}.takeover`;
	const mine = {
		pid: process.pid,
		host: hostname(),
		startedAt: new Date().toISOString(),
		token: "takeover",
	};
	if (!(await tryCreate(fs, marker, mine))) {
		// left by a taker killed mid-takeover: gone at once when its process is dead on this host
		// (it holds its owner, linked into place as the lock is), else after STALE_TAKEOVER_MS
		const taker = await readRecord(fs, marker).catch(() => undefined);
		const info = await fs.stat(marker).catch(() => undefined);
		const age = info ? Date.now() - info.mtimeMs : 0;
		const dead = taker ? taker.host === hostname() && !isProcessAlive(taker.pid) : false;
		if (info && (dead || age > STALE_TAKEOVER_MS || (taker === null && age >= STALE_UNREADABLE_MS)))
			await fs.unlink(marker).catch(() => undefined);
		await new Promise((r) => setTimeout(r, RETRY_MS));
		return;
	}
	try {
		const current = await readRecord(fs, path);
		const same = dead === null ? current === null : current?.token === dead.token;
		if (same) await fs.unlink(path).catch(() => undefined);
	} finally {
		await fs.unlink(marker).catch(() => undefined);
	}
}

function lockedError(sessionPath: string, holder: LockRecord | null): SessionLockedError {
	const who: LockHolder = holder ? { pid: holder.pid, host: holder.host } : {};
	const by = holder
		? `process ${holder.pid} on ${holder.host} (since ${holder.startedAt})`
		: "another process";
	const hint =
		holder && holder.host !== hostname()
			? `; if that host is gone, delete ${sessionPath}.lock by hand`
			: "";
	return new SessionLockedError(`${sessionPath} is locked by ${by}${hint}`, {
		backend: BACKEND,
		holder: who,
	});
}
