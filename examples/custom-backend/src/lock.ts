import { open, readFile, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { type LockHolder, SessionBackendError, SessionLockedError } from "@x/session-core";

/** A lock file created with O_EXCL next to the session file; it names its holder. */
export class LockFile {
	readonly path: string;
	#held = false;

	private constructor(path: string) {
		this.path = path;
	}

	/** Takes the lock, or rejects with `SessionLockedError` naming the holder. A dead holder's lock is taken over. */
	static async acquire(path: string, backend: string): Promise<LockFile> {
		const lock = new LockFile(path);
		for (let attempt = 0; attempt < 2; attempt++) {
			try {
				const handle = await open(path, "wx", 0o600);
				await handle.writeFile(JSON.stringify({ pid: process.pid, host: hostname() }));
				await handle.close();
				lock.#held = true;
				return lock;
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
					throw new SessionBackendError("IO", `cannot create lock file ${path}`, {
						backend,
						cause: error,
					});
				}
			}
			const holder = await readHolder(path);
			if (attempt === 0 && holder && isDead(holder)) {
				await rm(path, { force: true });
				continue;
			}
			const who = holder ? `pid ${holder.pid} on ${holder.host}` : "another process";
			throw new SessionLockedError(`session file is in use by ${who} (lock ${path})`, {
				backend,
				...(holder ? { holder } : {}),
			});
		}
		throw new SessionLockedError(`session file is in use (lock ${path})`, { backend });
	}

	/** Releases the lock. Idempotent. */
	async release(): Promise<void> {
		if (!this.#held) return;
		this.#held = false;
		await rm(this.path, { force: true });
	}
}

async function readHolder(path: string): Promise<LockHolder | undefined> {
	try {
		const data = JSON.parse(await readFile(path, "utf8")) as { pid?: unknown; host?: unknown };
		if (typeof data.pid === "number" && typeof data.host === "string")
			return { pid: data.pid, host: data.host };
	} catch {}
	return undefined;
}

/** Only a holder on this host can be checked; a live pid (or one we may not signal) counts as alive. */
function isDead(holder: LockHolder): boolean {
	if (holder.host !== hostname() || holder.pid === undefined) return false;
	try {
		process.kill(holder.pid, 0);
		return false;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === "ESRCH";
	}
}
