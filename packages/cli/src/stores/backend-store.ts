import {
	encodedSize,
	isSessionError,
	type PersistedSession,
	reencryptSecrets,
	type SessionBackend,
	type SessionCipher,
	withEncryptedSecrets,
} from "@x/session-core";
import { SCHEMA_VERSION } from "@x/session-core/sql";
import type { Context } from "../context.js";
import { hasEncryptedSecrets, requireCipher } from "../encryption.js";
import { CliError, EXIT, notFound, usage } from "../errors.js";
import type { Location } from "../location.js";
import { emptyFile } from "./local-path.js";
import type {
	ReadOptions,
	ReadResult,
	RekeyResult,
	Store,
	WriteOptions,
	WriteResult,
} from "./store.js";
import { checkReadBack } from "./verify.js";

/** How a backend-backed location is opened. */
export interface BackendOpener {
	/**
	 * Opens the backend. `"read"` opens it read-only: no migration, schema, lease or file beside
	 * the database, nothing written (a ferogram/layer database is read as it is).
	 */
	open(mode: "read" | "write", options?: WriteOptions): Promise<SessionBackend>;
	/**
	 * What the location holds, found without writing (a refused write must change nothing);
	 * default: {@link ensureExists}, then a read-only open.
	 */
	peek?(): Promise<PeekState>;
	/** Imports a ferogram/layer database in place (`x-session migrate`); SQLite family only. */
	migrate?(): Promise<MigrateResult>;
	/** Rejects with NOT_FOUND when the storage itself (file, database) does not exist. */
	ensureExists?(): Promise<void>;
	/**
	 * How the store is encrypted at rest: `"blob"` when `open("write", { encrypt: true })`
	 * encrypts the whole stored form itself (files); `"secrets"` when the CLI wraps the backend
	 * in `withEncryptedSecrets` so each auth key and token is an envelope (SQL, Redis).
	 */
	encryption?: "blob" | "secrets";
	/** Reads the session without the backend (e.g. raw file bytes), with format details. */
	readDirect?(options: ReadOptions): Promise<ReadResult>;
	/** Re-encrypts a `"blob"` store in place (see {@link Store.rekey}); resolves the session it held. */
	rekey?(
		from: SessionCipher | undefined,
		to: SessionCipher | null,
	): Promise<{ before: PersistedSession; wasEncrypted: boolean }>;
	/** Format and version reported for sessions loaded through the backend. */
	format: { name: string; version: number | null };
	list?(): Promise<string[]>;
	dispose?(): Promise<void>;
}

/** What a location holds, found without writing; `"empty-file"`: a 0-byte file. */
export type PeekState = "empty" | "empty-file" | "session" | "corrupt";

/** What `x-session migrate` did. */
export interface MigrateResult {
	/** A ferogram/layer database was imported (as session "default"). */
	imported: boolean;
	/** Where the copy made before the import is (none for a remote database). */
	backup: string | undefined;
	/** Peers of the imported session "default" (when one was imported). */
	peers: number | undefined;
	/** Set when x-session's own tables were brought forward from this schema version. */
	schemaFrom?: number;
}

/** A {@link Store} on a {@link SessionBackend}: locks on write, verifies by reading back. */
export class BackendStore implements Store {
	readonly location: Location;
	readonly list?: () => Promise<string[]>;
	readonly #ctx: Context;
	readonly #opener: BackendOpener;
	#closed = false;

	constructor(location: Location, ctx: Context, opener: BackendOpener) {
		this.location = location;
		this.#ctx = ctx;
		this.#opener = opener;
		if (opener.list) {
			const list = opener.list.bind(opener);
			this.list = async () => {
				await opener.ensureExists?.();
				return list();
			};
		}
	}

	async read(options: ReadOptions = {}): Promise<ReadResult> {
		await this.#opener.ensureExists?.();
		if (this.#opener.readDirect) return this.#opener.readDirect(options);
		const backend = await this.#opener.open("read");
		let session: PersistedSession | null;
		let encrypted = false;
		const found = (backend as { found?: string }).found;
		try {
			session = await backend.load();
			if (session && this.#opener.encryption === "secrets" && hasEncryptedSecrets(session)) {
				encrypted = true;
				session = await (await this.#decrypting(backend, options.cipher)).load();
			}
		} finally {
			await backend.close();
		}
		if (!session && found === "none" && this.location.scheme !== "postgres")
			throw notFound(
				`no session at ${this.location.display}: the database has no x-session or ferogram tables (a Telethon or Pyrogram .session file is read as telethon:PATH or pyrogram:PATH)`,
			);
		if (!session) throw notFound(`no session at ${this.location.display}`);
		if (found === "reference")
			await this.#ctx.note(
				`x-session: ${this.location.display} is a ferogram/layer database, read as it is (nothing changed); x-session migrate converts it`,
			);
		return {
			session,
			format: encrypted ? `${this.#opener.format.name} (encrypted)` : this.#opener.format.name,
			version: this.#opener.format.version,
			size: { bytes: encodedSize(session), of: "encoding" },
		};
	}

	/** `backend` seen through the cipher; only the wrapper's load is used, the inner backend is closed by the caller. */
	async #decrypting(backend: SessionBackend, cipher: SessionCipher | undefined) {
		return withEncryptedSecrets(
			backend,
			cipher ?? (await requireCipher(this.#ctx, this.location.display)),
		);
	}

	async write(session: PersistedSession, options: WriteOptions): Promise<WriteResult> {
		const progress = this.#ctx.progress;
		const encryption = this.#opener.encryption;
		if (options.encrypt && !encryption)
			throw usage(`convert: --encrypt does not apply to ${this.location.scheme}: targets`);
		progress.step(`checking ${this.location.display}`);
		// read-only first: a refusal must not leave a lease row, a schema or a lock file behind
		if (options.overwriteUnreadable && this.location.scheme !== "file")
			throw usage("convert: --overwrite-unreadable applies to file: targets");
		if (!options.force) {
			const state = await this.#peek();
			// data that does not decode is what --overwrite-unreadable is for
			if (!(state === "corrupt" && options.overwriteUnreadable))
				refuseExisting(state, this.location.display);
		}
		const backend = await this.#opener.open("write", options).catch((error: unknown) => {
			throw this.#inCliTerms(error);
		});
		let cipher: SessionCipher | undefined;
		try {
			// again under the lock: a session may have been written since the peek
			if (!options.force) {
				const state = await existing(backend);
				if (!(state === "corrupt" && options.overwriteUnreadable))
					refuseExisting(state, this.location.display);
			}
			progress.step(`writing ${session.peers.length} peers to ${this.location.display}`);
			if (options.encrypt && encryption === "secrets") {
				cipher = options.cipher ?? (await requireCipher(this.#ctx, "the target"));
				// --force replaces a session even when its secrets are sealed under another key
				await withEncryptedSecrets(backend, cipher, {
					overwriteUnreadable: options.force === true,
				}).save(session);
			} else {
				await backend.save(session);
			}
		} catch (error) {
			throw this.#inCliTerms(error);
		} finally {
			await backend.close();
		}
		progress.step(`reading back ${this.location.display}`);
		const back = await this.read(cipher ? { cipher } : {});
		checkReadBack(session, back.session, this.location.display);
		if (cipher && !back.format.endsWith("(encrypted)") && hasSecrets(session))
			throw new CliError(
				EXIT.FAILURE,
				`verification failed: ${this.location.display} holds unencrypted secrets after an encrypted write`,
			);
		return { readBack: back.session };
	}

	/** A backend's refusal that names an API option, said with the CLI's flags and commands. */
	#inCliTerms(error: unknown): unknown {
		const message = (error as Error | undefined)?.message ?? "";
		// a file others can read: the file backend's advice names onInsecurePermissions
		const loose =
			/^(?:\[x-session\] \[file\] )?(.* has mode \d+: [^;]*);.*onInsecurePermissions/.exec(message);
		if (loose && this.location.scheme === "file")
			return new CliError(
				EXIT.FAILURE,
				`${loose[1]}; nothing was written. Run chmod 600 ${this.location.path} and convert again`,
				{ cause: error },
			);
		// the file backend refuses to replace what it cannot read
		if (/overwriteUnreadable: true/.test(message))
			return new CliError(
				EXIT.FAILURE,
				`${this.location.display} holds a file this key cannot read (another key or passphrase, corrupt, newer, or not a session file); nothing was written. Pass --overwrite-unreadable (with --force) to replace it: the session it holds is then lost`,
				{ cause: error },
			);
		return error;
	}

	/** What the location holds, without writing anything. */
	async #peek(): Promise<PeekState> {
		if (this.#opener.peek) return this.#opener.peek();
		try {
			await this.#opener.ensureExists?.();
		} catch (error) {
			if ((error as { exitCode?: number }).exitCode === EXIT.NOT_FOUND) return "empty";
			throw error;
		}
		let backend: SessionBackend;
		try {
			backend = await this.#opener.open("read");
		} catch (error) {
			// our tables in a schema a read-only open cannot read: data is there, keep it
			if (isSessionError(error, "UNSUPPORTED_VERSION")) return "session";
			throw error;
		}
		try {
			return await existing(backend);
		} finally {
			await backend.close();
		}
	}

	/** Imports a ferogram/layer database in place (see {@link BackendOpener.migrate}). */
	async migrate(): Promise<MigrateResult> {
		if (!this.#opener.migrate)
			throw usage(
				`migrate: ${this.location.scheme}: locations hold no ferogram/layer database; migrate applies to sqlite: and libsql: databases`,
			);
		await this.#opener.ensureExists?.();
		let found: string | undefined;
		try {
			const backend = await this.#opener.open("read");
			found = (backend as { found?: string }).found;
			await backend.close();
		} catch (error) {
			// our own tables in an older schema: a writable open brings them forward
			const version = (error as { version?: unknown }).version;
			if (!isSessionError(error, "UNSUPPORTED_VERSION") || !(Number(version) < SCHEMA_VERSION))
				throw error;
			return { ...(await this.#opener.migrate()), schemaFrom: Number(version) };
		}
		if (found === "none")
			throw new CliError(
				EXIT.FAILURE,
				`migrate: ${this.location.display} is not a ferogram/layer database (it has no ferogram or x-session tables); nothing changed`,
			);
		if (found !== "reference") return { imported: false, backup: undefined, peers: undefined };
		return this.#opener.migrate();
	}

	async rekey(from: SessionCipher | undefined, to: SessionCipher | null): Promise<RekeyResult> {
		await this.#opener.ensureExists?.();
		let before: PersistedSession;
		let wasEncrypted: boolean;
		if (this.#opener.rekey) {
			({ before, wasEncrypted } = await this.#opener.rekey(from, to));
		} else if (this.#opener.encryption === "secrets") {
			const backend = await this.#opener.open("write");
			try {
				const raw = await backend.load();
				if (!raw) throw notFound(`no session at ${this.location.display}`);
				wasEncrypted = hasEncryptedSecrets(raw);
				const old = wasEncrypted
					? (from ?? (await requireCipher(this.#ctx, this.location.display)))
					: null;
				before = old ? ((await withEncryptedSecrets(backend, old).load()) ?? raw) : raw;
				this.#ctx.progress.step(`rewriting the secrets of ${this.location.display}`);
				await reencryptSecrets(backend, old, to);
			} finally {
				await backend.close();
			}
		} else {
			throw usage(`rekey: ${this.location.scheme}: locations are not encrypted`);
		}
		this.#ctx.progress.step(`reading back ${this.location.display}`);
		const back = await this.read(to ? { cipher: to } : {});
		checkReadBack(before, back.session, this.location.display);
		const nowEncrypted = back.format.endsWith("(encrypted)");
		if (hasSecrets(before) && nowEncrypted !== (to !== null))
			throw new CliError(
				EXIT.FAILURE,
				`verification failed: ${this.location.display} is ${nowEncrypted ? "still" : "not"} encrypted after rekey`,
			);
		return { wasEncrypted, readBack: back.session };
	}

	async remove(): Promise<void> {
		await this.#opener.ensureExists?.();
		const backend = await this.#opener.open("write");
		try {
			if ((await existing(backend)) === "empty")
				throw notFound(`no session at ${this.location.display}`);
			await backend.delete();
		} finally {
			await backend.close();
		}
	}

	async close(): Promise<void> {
		if (this.#closed) return;
		this.#closed = true;
		await this.#opener.dispose?.();
	}
}

/** True when the session holds anything encryption would cover. */
export function hasSecrets(session: PersistedSession): boolean {
	return (
		session.dcs.some((d) => d.authKey !== null) ||
		session.futureAuthToken !== null ||
		(session.extensions?.size ?? 0) > 0
	);
}

function refuseExisting(state: PeekState, where: string): void {
	if (state === "empty") return;
	if (state === "empty-file")
		throw new CliError(EXIT.FAILURE, `${emptyFile(where)}; pass --force to replace it`);
	const what = state === "corrupt" ? "data that does not decode" : "a session";
	throw new CliError(EXIT.FAILURE, `${where} already holds ${what}; pass --force to replace it`);
}

async function existing(backend: SessionBackend): Promise<"empty" | "session" | "corrupt"> {
	try {
		return (await backend.load()) ? "session" : "empty";
	} catch (error) {
		if (isSessionError(error, "CORRUPT_DATA") || isSessionError(error, "UNSUPPORTED_VERSION"))
			return "corrupt";
		throw error;
	}
}
