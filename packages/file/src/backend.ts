import { dirname, resolve } from "node:path";
import {
	applyUpdateStateChange,
	type BackendCapabilities,
	type CachedPeer,
	CorruptSessionError,
	cloneSession,
	type DcEntry,
	decodeSessionDetailed,
	type EncryptionSecret,
	emptySession,
	encodeSession,
	extensionValue,
	isEncryptedEnvelope,
	type PersistedSession,
	type SecretBytes,
	SessionBackendError,
	type SessionChanges,
	type SessionCipher,
	setSessionExtension,
	type UpdateStateChange,
	upsertDc,
} from "@x/session-core";
import {
	applySessionChanges,
	BaseSessionBackend,
	changesAreEmpty,
	checkExtensionKey,
	checkedDc,
	type PreparedChanges,
	prepareChanges,
	preparePeers,
	toCipher,
	upsertPreparedPeers,
} from "@x/session-core/backend";
import { removeStaleTempFiles, writeSessionFile } from "./atomic-write.js";
import {
	checkFits,
	copyTouched,
	encodes,
	encodesChanges,
	type Touched,
	touchedBy,
} from "./coalescing.js";
import { corrupt, moveAside, notReplaced } from "./corrupt.js";
import { decryptFile, encryptFile } from "./encryption.js";
import { errnoCode, type FileSystem, io, nodeFileSystem, reason } from "./fs.js";
import { FileLock } from "./lock.js";
import { BACKEND, checkOptions, type FileSessionOptions } from "./options.js";
import { checkPermissions } from "./permissions.js";

/**
 * The binary file backend: reads ferogram/layer files v1–v8 and writes v8. Saves are atomic and
 * durable (temp file, fsync, rename, directory fsync), files are 0600, one process at a time
 * holds the session (lock file), and a corrupt file is never replaced silently.
 */
export class FileSessionBackend extends BaseSessionBackend {
	readonly name = BACKEND;
	override readonly capabilities: BackendCapabilities = {
		persistent: true,
		multiSession: false,
		locking: true,
		nativeGranular: false,
		coalescing: true,
		extensions: true,
		nativeLookups: false,
	};
	/** Absolute path of the session file. */
	readonly path: string;
	readonly #fs: FileSystem;
	readonly #options: FileSessionOptions;
	readonly #lock: FileLock | undefined;
	/** The session as last read or written; `undefined` until first read. */
	#state: PersistedSession | null | undefined;
	#dirty = false;
	#timer: ReturnType<typeof setTimeout> | undefined;
	/** A coalesced write that failed; reported by the next flush() or close(). */
	#failed: unknown;
	#cipher: SessionCipher | null;

	private constructor(
		path: string,
		options: FileSessionOptions,
		fs: FileSystem,
		lock: FileLock | undefined,
		cipher: SessionCipher | null,
	) {
		super();
		this.path = path;
		this.#cipher = cipher;
		this.#options = options;
		this.#fs = fs;
		this.#lock = lock;
		if (options.lock === false || options.readOnly)
			this.capabilities = { ...this.capabilities, locking: false };
	}

	/** Opens (and locks) the session file; it need not exist yet. */
	static async open(options: FileSessionOptions): Promise<FileSessionBackend> {
		checkOptions(options);
		const fs = options.fs ?? nodeFileSystem;
		const path = resolve(options.path);
		const cipher = await toCipher(options.encryption);
		if (options.readOnly) return new FileSessionBackend(path, options, fs, undefined, cipher);
		await io(`cannot create the directory of ${path}`, () =>
			fs.mkdir(dirname(path), { recursive: true, mode: 0o700 }),
		);
		const lock =
			options.lock === false
				? undefined
				: await FileLock.acquire(fs, path, options.lockWaitMs ?? 0);
		try {
			await checkPermissions(fs, path, options);
			await removeStaleTempFiles(fs, path, lock !== undefined);
		} catch (error) {
			await lock?.release();
			throw error;
		}
		return new FileSessionBackend(path, options, fs, lock, cipher);
	}

	protected async loadSession(): Promise<PersistedSession | null> {
		const state = await this.#current();
		return state && cloneSession(state);
	}

	#refuseReadOnly(operation: string): void {
		if (this.#options.readOnly)
			throw new SessionBackendError(
				"UNSUPPORTED",
				`${operation}: ${this.path} was opened read-only (readOnly: true); open it without readOnly to write`,
				{ backend: BACKEND },
			);
	}

	protected async saveSession(session: PersistedSession): Promise<void> {
		this.#refuseReadOnly("save");
		await this.#checkReplaceable();
		await this.#write(session);
		this.#state = session;
		this.#dirty = false;
		this.#failed = undefined;
	}

	protected async deleteSession(): Promise<void> {
		this.#refuseReadOnly("delete");
		this.#cancelTimer();
		await io(`cannot delete ${this.path}`, async () => {
			await this.#fs.unlink(this.path).catch((error: unknown) => {
				if (errnoCode(error) !== "ENOENT") throw error;
			});
		});
		this.#state = null;
		this.#dirty = false;
		this.#failed = undefined;
	}

	override updateDc(dc: DcEntry): Promise<void> {
		// checked as the other backends check it: a plain byte array is a typed error, not a TypeError
		let copy: DcEntry;
		try {
			copy = checkedDc(dc, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.#change(
			"dcs",
			(s) => upsertDc(s, copy),
			() => encodes({ dcs: [copy] }),
		);
	}

	override setHomeDc(dcId: number): Promise<void> {
		return this.#change(
			"none",
			(s) => {
				s.homeDcId = dcId;
			},
			() => encodes({ homeDcId: dcId }),
		);
	}

	override applyUpdateState(change: UpdateStateChange): Promise<void> {
		const copy: UpdateStateChange =
			change.type === "all"
				? { type: "all", state: { ...change.state, channels: [...change.state.channels] } }
				: { ...change };
		return this.#change(
			"updatesState",
			(s) => applyUpdateStateChange(s.updatesState, copy),
			(next) => encodes({ updatesState: next.updatesState }),
		);
	}

	override cachePeers(peers: readonly CachedPeer[]): Promise<void> {
		let copy: CachedPeer[];
		try {
			copy = preparePeers(peers, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.#change(
			"peers",
			(s) => upsertPreparedPeers(s, copy),
			() => {
				for (let i = 0; i < copy.length; i += 65_535) encodes({ peers: copy.slice(i, i + 65_535) });
			},
		);
	}

	/**
	 * One change that copies only the lists the batch writes to, checked whole before it is
	 * accepted: one durable write (or, when coalescing, one pending state) per batch.
	 */
	override applyChanges(changes: SessionChanges): Promise<void> {
		let prepared: PreparedChanges;
		try {
			prepared = prepareChanges(changes, this.name, true);
		} catch (error) {
			return Promise.reject(error);
		}
		if (changesAreEmpty(prepared)) return this.exclusive(async () => {});
		return this.#change(
			touchedBy(prepared),
			(s) => applySessionChanges(s, prepared),
			(next) => encodesChanges(prepared, next),
		);
	}

	// async: a bad argument rejects; the change is still queued synchronously, in call order
	override async setExtension(key: string, value: Uint8Array | SecretBytes): Promise<void> {
		const v = extensionValue(key, value, this.name);
		return this.#change(
			"extensions",
			(s) => setSessionExtension(s, key, v),
			() => encodes({ extensions: new Map([[key, v]]) }),
		);
	}

	override deleteExtension(key: string): Promise<void> {
		try {
			checkExtensionKey(key, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.#change("extensions", (s) => setSessionExtension(s, key, null));
	}

	/** Lookups read the cached state in place (they copy only what they return). */
	protected override peekSession(): Promise<PersistedSession | null> {
		return this.#current();
	}

	/**
	 * Rewrites the file now under a new encryption setting: a new key or passphrase (rotation), or
	 * `null` to store it unencrypted. Resolves once the rewritten file is durable.
	 */
	setEncryption(encryption: EncryptionSecret | SessionCipher | null): Promise<void> {
		return this.exclusive(async () => {
			this.#refuseReadOnly("setEncryption");
			const next = await toCipher(encryption);
			const state = await this.#current();
			const previous = this.#cipher;
			this.#cipher = next;
			try {
				if (state) await this.#write(state);
				this.#dirty = false;
			} catch (error) {
				this.#cipher = previous;
				throw error;
			}
		});
	}

	/** Writes coalesced changes now. Rejects with the error of a failed coalesced write. */
	override flush(): Promise<void> {
		return this.exclusive(() => this.#flushNow());
	}

	protected override async closeSession(): Promise<void> {
		try {
			await this.#flushNow();
		} finally {
			this.#cancelTimer();
			await this.#lock?.release();
		}
	}

	/**
	 * Applies `change` to a copy of the lists it may touch, checks the result still fits the
	 * format, then writes it (or schedules the write). A change that fails leaves the state as it was.
	 */
	#change(
		touches: Touched | readonly Touched[],
		change: (session: PersistedSession) => void,
		validate?: (next: PersistedSession) => void,
	): Promise<void> {
		const parts = new Set<Touched>([touches].flat());
		try {
			this.#refuseReadOnly("write");
		} catch (error) {
			return Promise.reject(error);
		}
		return this.exclusive(async () => {
			const next = copyTouched((await this.#current()) ?? emptySession(), parts);
			change(next);
			const interval = this.#options.flushInterval ?? 0;
			if (interval === 0) {
				await this.saveSession(next);
				return;
			}
			checkFits(next, parts.has("dcs"));
			// a value the encoder would refuse (pts beyond i32, a bad key length...) must be refused
			// now: accepted into memory it would fail every later flush and block all persistence
			validate?.(next);
			this.#state = next;
			this.#dirty = true;
			this.#timer ??= setTimeout(() => {
				this.#timer = undefined;
				this.exclusive(() => this.#flushNow()).catch(() => undefined);
			}, interval);
			this.#timer.unref?.();
		});
	}

	async #flushNow(): Promise<void> {
		this.#cancelTimer();
		if (this.#dirty && this.#state) {
			try {
				await this.#write(this.#state);
				this.#dirty = false;
				this.#failed = undefined;
			} catch (error) {
				this.#failed = error;
			}
		}
		if (this.#failed !== undefined) throw this.#failed;
	}

	#cancelTimer(): void {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = undefined;
	}

	async #write(session: PersistedSession): Promise<void> {
		const bytes = await encryptFile(this.#cipher, encodeSession(session));
		await writeSessionFile(this.#fs, this.path, bytes);
	}

	/**
	 * A save replaces the file whole, without reading it: unless the caller said so, first make
	 * sure it is a file this instance can read (or none), so a wrong passphrase or a foreign file
	 * is refused instead of overwritten. Granular writes read it anyway (`#current`).
	 */
	async #checkReplaceable(): Promise<void> {
		if (this.#state !== undefined || this.#options.overwriteUnreadable) return;
		try {
			await this.#current();
		} catch (error) {
			if (!(error instanceof SessionBackendError) || error.code === "IO") throw error;
			throw notReplaced(error);
		}
	}

	async #current(): Promise<PersistedSession | null> {
		if (this.#state === undefined) this.#state = await this.#read();
		return this.#state;
	}

	async #read(): Promise<PersistedSession | null> {
		let bytes: Uint8Array;
		try {
			bytes = await this.#fs.readFile(this.path);
		} catch (error) {
			if (errnoCode(error) === "ENOENT") return null;
			throw new SessionBackendError("IO", `cannot read ${this.path}: ${reason(error)}`, {
				backend: BACKEND,
				cause: error,
			});
		}
		if (isEncryptedEnvelope(bytes)) bytes = await decryptFile(this.#cipher, this.path, bytes);
		try {
			if (bytes.length === 0)
				throw new CorruptSessionError("empty session data", { backend: "codec" });
			return decodeSessionDetailed(bytes).session;
		} catch (error) {
			if (this.#options.onCorrupt === "move-aside") {
				await moveAside(this.#fs, this.path, error, (m) => this.#warn(m));
				return null;
			}
			throw corrupt(this.path, error);
		}
	}

	#warn(message: string): void {
		(this.#options.onWarning ?? ((m: string) => console.warn(m)))(`[x-session] [file] ${message}`);
	}
}
