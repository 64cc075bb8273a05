import { basename, dirname, resolve } from "node:path";
import {
	applySessionChanges,
	applyUpdateStateChange,
	type BackendCapabilities,
	BaseSessionBackend,
	type CachedPeer,
	CorruptSessionError,
	changesAreEmpty,
	checkExtensionKey,
	checkedDc,
	cloneSession,
	type DcEntry,
	decodeSessionDetailed,
	EncodeOverflowError,
	type EncryptionSecret,
	emptySession,
	encodeSession,
	extensionValue,
	isEncryptedEnvelope,
	type PersistedSession,
	type PreparedChanges,
	prepareChanges,
	preparePeers,
	type SecretBytes,
	SessionBackendError,
	type SessionChanges,
	type SessionCipher,
	SessionEncryptionError,
	setSessionExtension,
	toCipher,
	UnsupportedVersionError,
	type UpdateStateChange,
	upsertDc,
	upsertPreparedPeers,
} from "@x/session-core";
import { DirectorySyncError, tempFileOwner, writeFileAtomic } from "./atomic-write.js";
import { errnoCode, type FileSystem, nodeFileSystem, reason } from "./fs.js";
import { FileLock, processAlive } from "./lock.js";

const BACKEND = "file";

/** Options of `FileSessionBackend.open`. */
export interface FileSessionOptions {
	/** The session file, e.g. `./data/bot.session`. Its directory is created (0700) if missing. */
	path: string;
	/**
	 * Coalesce granular writes: apply them in memory and write the file at most once per this
	 * many milliseconds. `flush()` and `close()` write what is pending. Default 0: every granular
	 * call writes (and fsyncs) before it resolves. `save()` and `delete()` are always immediate.
	 */
	flushInterval?: number;
	/** Take the single-writer lock `<path>.lock` (default `true`). */
	lock?: boolean;
	/**
	 * Read only: no directory, lock file or temp-file cleanup (nothing is created or removed
	 * beside the file), the mode is not checked, and every write rejects `UNSUPPORTED`.
	 */
	readOnly?: boolean;
	/** How long `open()` waits for a held lock before rejecting (default 0: at once). */
	lockWaitMs?: number;
	/**
	 * An existing file readable or writable by group or others: `"error"` (default) rejects
	 * `open()`, `"warn"` reports through `onWarning` and goes on, `"fix"` makes it 0600.
	 */
	onInsecurePermissions?: "error" | "warn" | "fix";
	/**
	 * A file that does not decode: `"error"` (default) makes `load()` reject and never touches the
	 * file; `"move-aside"` renames it to `<path>.corrupt-<time>` (kept 0600) and starts empty.
	 */
	onCorrupt?: "error" | "move-aside";
	/** Receives warnings (insecure permissions, a file moved aside). Default: `console.warn`. */
	onWarning?: (message: string) => void;
	/**
	 * Encrypt the whole file at rest (AES-256-GCM; a 32-byte key or a passphrase, see
	 * `SessionCipher` in core). An unencrypted file still opens and is encrypted on its next write;
	 * an encrypted file without this option is a `SessionEncryptionError`. Use `setEncryption()`
	 * to rotate the key or to turn encryption off.
	 */
	encryption?: EncryptionSecret | SessionCipher;
	/**
	 * Let `save()` replace a file this instance cannot read: encrypted with another key or
	 * passphrase (or encrypted and no `encryption` given), corrupt, from a newer version, or not a
	 * session file at all. Default `false`: such a `save()` rejects with the error `load()` gives
	 * and leaves every byte of the file as it was, so "load failed, log in again, save" cannot
	 * destroy an account by accident. `true` when replacing it is what you mean.
	 */
	overwriteUnreadable?: boolean;
	/** The file-system calls to use; for fault-injection tests. */
	fs?: FileSystem;
}

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
		if (!options || typeof options.path !== "string" || options.path === "") {
			throw new SessionBackendError("INVALID_ARGUMENT", "options.path must be a non-empty string", {
				backend: BACKEND,
			});
		}
		const interval = options.flushInterval ?? 0;
		if (!(Number.isFinite(interval) && interval >= 0)) {
			throw new SessionBackendError("INVALID_ARGUMENT", "flushInterval must be a number ≥ 0", {
				backend: BACKEND,
			});
		}
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
		const touches: Touched[] = [];
		if (prepared.dcs.length > 0) touches.push("dcs");
		if (prepared.updateState.length > 0) touches.push("updatesState");
		if (prepared.peers.length > 0) touches.push("peers");
		if (prepared.deleteMinPeers.length + prepared.minPeers.length > 0) touches.push("minPeers");
		if (prepared.deleteExtensions.length + prepared.setExtensions.length > 0)
			touches.push("extensions");
		// only the parts the batch brings are encoded (the rest was accepted before)
		const chunks = <T>(items: T[], n: number) =>
			Array.from({ length: Math.ceil(items.length / n) }, (_, i) => items.slice(i * n, i * n + n));
		return this.#change(
			touches,
			(s) => applySessionChanges(s, prepared),
			(next) => {
				for (const dcs of chunks(prepared.dcs, 255)) encodes({ dcs });
				if (prepared.updateState.length > 0) encodes({ updatesState: next.updatesState });
				for (const peers of chunks(prepared.peers, 65_535)) encodes({ peers });
				for (const minPeers of chunks(prepared.minPeers, 65_535)) encodes({ minPeers });
				if (prepared.setExtensions.length > 0)
					encodes({ extensions: new Map(prepared.setExtensions) });
			},
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
			const current = (await this.#current()) ?? emptySession();
			// copy only the part the change writes to: the hot path (update state) stays O(channels)
			const next: PersistedSession = { ...current };
			if (parts.has("dcs")) next.dcs = current.dcs.slice();
			if (parts.has("peers")) next.peers = current.peers.slice();
			if (parts.has("minPeers")) next.minPeers = current.minPeers.slice();
			if (parts.has("extensions")) next.extensions = new Map(current.extensions);
			if (parts.has("updatesState"))
				next.updatesState = {
					...current.updatesState,
					channels: current.updatesState.channels.map((c) => ({ ...c })),
				};
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
		const encoded = encodeSession(session);
		const bytes = this.#cipher ? await this.#cipher.encrypt(encoded) : encoded;
		try {
			await writeFileAtomic(this.#fs, this.path, bytes);
		} catch (error) {
			if (error instanceof SessionBackendError) throw error;
			const renamed = error instanceof DirectorySyncError;
			const why = reason(renamed ? error.cause : error);
			throw new SessionBackendError(
				"IO",
				renamed
					? `wrote ${this.path} but could not fsync its directory (${why}); the save may not survive a power loss`
					: `cannot save ${this.path}; the previous file is intact (${why})`,
				{ backend: BACKEND, cause: renamed ? error.cause : error },
			);
		}
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
			const message = `not saved: ${detail(error).replace(/; the file was left untouched$/, "")}; nothing was written. ${
				error instanceof SessionEncryptionError
					? "Open it with the key or passphrase it was written with"
					: "Move it away"
			}, or pass overwriteUnreadable: true to replace it (the session it holds is then lost)`;
			const options = { backend: BACKEND, cause: error };
			if (error instanceof SessionEncryptionError)
				throw new SessionEncryptionError(error.reason, message, options);
			if (error instanceof UnsupportedVersionError)
				throw new UnsupportedVersionError(error.version, message, options);
			throw new CorruptSessionError(message, options);
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
		if (isEncryptedEnvelope(bytes)) bytes = await this.#decrypt(bytes);
		try {
			if (bytes.length === 0)
				throw new CorruptSessionError("empty session data", { backend: "codec" });
			return decodeSessionDetailed(bytes).session;
		} catch (error) {
			if (this.#options.onCorrupt === "move-aside") {
				const aside = `${this.path}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
				await io(`cannot move ${this.path} aside`, async () => {
					await this.#fs.chmod(this.path, 0o600);
					await this.#fs.rename(this.path, aside);
				});
				this.#warn(
					`${this.path} does not decode (${detail(error)}); moved it to ${basename(aside)} and started empty`,
				);
				return null;
			}
			throw corrupt(this.path, error);
		}
	}

	async #decrypt(bytes: Uint8Array): Promise<Uint8Array> {
		if (!this.#cipher) {
			throw new SessionEncryptionError(
				"missing-key",
				`${this.path} is encrypted; pass the encryption option`,
				{ backend: BACKEND },
			);
		}
		try {
			return await this.#cipher.decrypt(bytes, BACKEND);
		} catch (error) {
			const why = error instanceof SessionEncryptionError ? error.reason : "tampered";
			throw new SessionEncryptionError(
				why,
				`${this.path}: ${detail(error)}; the file was left untouched`,
				{
					backend: BACKEND,
					cause: error,
				},
			);
		}
	}

	#warn(message: string): void {
		(this.#options.onWarning ?? ((m: string) => console.warn(m)))(`[x-session] [file] ${message}`);
	}
}

/** The parts of a session a change may write to (`#change` copies only those). */
type Touched = "dcs" | "peers" | "minPeers" | "updatesState" | "extensions" | "none";

/**
 * Runs the encoder on the part a coalesced change brings in (an otherwise empty session), so a
 * value it would refuse is refused when the change is made, with the encoder's own error.
 */
function encodes(part: Partial<PersistedSession>): void {
	encodeSession({ ...emptySession(), ...part });
}

/** The same checks the encoder makes, run before a change is accepted into memory. */
function checkFits(session: PersistedSession, dcsChanged: boolean): void {
	const over = (what: string, n: number, max: number) => {
		if (n > max)
			throw new EncodeOverflowError(`${what}: ${n} does not fit the v8 format (at most ${max})`, {
				backend: BACKEND,
			});
	};
	over("DC entries", session.dcs.length, 255);
	over("peers", session.peers.length, 65_535);
	over("min peers", session.minPeers.length, 65_535);
	over("channel pts entries", session.updatesState.channels.length, 65_535);
	// addresses of DC entries already accepted were checked then (this runs per coalesced change)
	if (!dcsChanged) return;
	const utf8 = new TextEncoder();
	for (const dc of session.dcs) over("address bytes", utf8.encode(dc.addr).length, 255);
}

function detail(error: unknown): string {
	return error instanceof Error
		? error.message.replace(/^\[x-session\] \[[^\]]*\] /, "")
		: String(error);
}

function corrupt(path: string, error: unknown): SessionBackendError {
	const message = `${path} does not decode: ${detail(error)}; the file was left untouched`;
	if (error instanceof UnsupportedVersionError)
		return new UnsupportedVersionError(error.version, message, { backend: BACKEND, cause: error });
	return new CorruptSessionError(message, { backend: BACKEND, cause: error });
}

async function io<T>(what: string, op: () => Promise<T>): Promise<T> {
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

async function checkPermissions(
	fs: FileSystem,
	path: string,
	options: FileSessionOptions,
): Promise<void> {
	const info = await fs.stat(path).catch((error: unknown) => {
		if (errnoCode(error) === "ENOENT") return undefined;
		throw new SessionBackendError("IO", `cannot stat ${path}: ${reason(error)}`, {
			backend: BACKEND,
			cause: error,
		});
	});
	if (!info) return;
	if (!info.isFile())
		throw new SessionBackendError("INVALID_ARGUMENT", `${path} is not a regular file`, {
			backend: BACKEND,
		});
	const loose = info.mode & 0o077;
	if (loose === 0) return;
	const mode = (info.mode & 0o777).toString(8).padStart(4, "0");
	const policy = options.onInsecurePermissions ?? "error";
	if (policy === "fix") {
		await io(`cannot chmod ${path}`, () => fs.chmod(path, 0o600));
		return;
	}
	const message = `${path} has mode ${mode}: other users can read the auth key`;
	if (policy === "warn") {
		(options.onWarning ?? ((m: string) => console.warn(m)))(`[x-session] [file] ${message}`);
		return;
	}
	throw new SessionBackendError(
		"INVALID_ARGUMENT",
		`${message}; run chmod 600 on it, or pass onInsecurePermissions: "fix"`,
		{ backend: BACKEND },
	);
}

/**
 * Removes temp files of this session left by crashed writers. With the lock held no other writer
 * can be running, so every one is stale; without it, only those whose process is gone.
 */
async function removeStaleTempFiles(fs: FileSystem, path: string, locked: boolean): Promise<void> {
	const names = await fs.readdir(dirname(path)).catch(() => [] as string[]);
	for (const name of names) {
		const pid = tempFileOwner(path, name);
		// the lock's own temp files: another process may be about to link one, lock held or not
		const lockPid =
			tempFileOwner(`${path}.lock`, name) ?? tempFileOwner(`${path}.lock.takeover`, name);
		if (pid === undefined && lockPid === undefined) continue;
		if (lockPid !== undefined ? processAlive(lockPid) : !locked && processAlive(pid as number))
			continue;
		await fs.unlink(resolve(dirname(path), name)).catch(() => undefined);
	}
}
