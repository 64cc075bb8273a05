import { open, readFile, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import {
	type BackendCapabilities,
	CorruptSessionError,
	type PersistedSession,
	SessionBackendError,
	sessionFromJson,
	sessionToJson,
} from "@x/session-core";
import { BaseSessionBackend } from "@x/session-core/backend";
import { LockFile } from "./lock.js";

/** Options of {@link JsonFileSessionBackend.open}. */
export interface JsonFileSessionOptions {
	/** The JSON file holding the session (created 0600 on the first save). */
	path: string;
}

/**
 * One session in one JSON file, written only against `@x/session-core`: the core's JSON layout
 * with secrets included, 0600 permissions, write-to-temp + fsync + atomic rename, and an
 * O_EXCL lock file so a second process cannot open the same session.
 */
export class JsonFileSessionBackend extends BaseSessionBackend {
	readonly name: string = "json-file";
	override readonly capabilities: BackendCapabilities = {
		persistent: true,
		multiSession: false,
		locking: true,
		nativeGranular: false,
		coalescing: false,
		// the JSON form carries extension values and peer metadata; lookups go through load()
		extensions: true,
		nativeLookups: false,
	};
	readonly path: string;
	readonly #lock: LockFile;
	#tmpCounter = 0;

	private constructor(path: string, lock: LockFile) {
		super();
		this.path = path;
		this.#lock = lock;
	}

	/** Takes the lock (`SessionLockedError` when another instance holds it) and opens the backend. */
	static async open(options: JsonFileSessionOptions): Promise<JsonFileSessionBackend> {
		const lock = await LockFile.acquire(`${options.path}.lock`, "json-file");
		return new JsonFileSessionBackend(options.path, lock);
	}

	protected async loadSession(): Promise<PersistedSession | null> {
		let text: string;
		try {
			text = await readFile(this.path, "utf8");
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
			throw new SessionBackendError("IO", `cannot read ${this.path}`, {
				backend: this.name,
				cause: error,
			});
		}
		try {
			return sessionFromJson(text);
		} catch (cause) {
			// never overwritten silently: the next save fails the same way until someone looks
			throw new CorruptSessionError(`${this.path} does not hold a valid session`, {
				backend: this.name,
				cause,
			});
		}
	}

	protected async saveSession(session: PersistedSession): Promise<void> {
		const text = JSON.stringify(sessionToJson(session, { includeSecrets: true }));
		const tmp = `${this.path}.${process.pid}.${this.#tmpCounter++}.tmp`;
		try {
			const file = await open(tmp, "wx", 0o600);
			try {
				await file.writeFile(text);
				await file.sync();
			} finally {
				await file.close();
			}
			await rename(tmp, this.path);
			await syncDirectory(dirname(this.path));
		} catch (error) {
			await rm(tmp, { force: true });
			throw new SessionBackendError("IO", `cannot write ${this.path}`, {
				backend: this.name,
				cause: error,
			});
		}
	}

	protected async deleteSession(): Promise<void> {
		try {
			await rm(this.path, { force: true });
			await syncDirectory(dirname(this.path));
		} catch (error) {
			throw new SessionBackendError("IO", `cannot delete ${this.path}`, {
				backend: this.name,
				cause: error,
			});
		}
	}

	protected override async closeSession(): Promise<void> {
		await this.#lock.release();
	}
}

async function syncDirectory(dir: string): Promise<void> {
	const handle = await open(dir, "r");
	try {
		await handle.sync();
	} finally {
		await handle.close();
	}
}
