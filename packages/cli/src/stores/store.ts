import type { PersistedSession, SessionCipher } from "@x/session-core";
import type { Location } from "../location.js";
import type { MigrateResult } from "./backend-store.js";

/** A session read from a location, with what is known about how it was stored. */
export interface ReadResult {
	session: PersistedSession;
	/** How it was stored: `"binary"`, `"native-string"`, `"compact-string"`, `"sqlite"`, ... */
	format: string;
	/** Format or layout version, when the store has one. */
	version: number | null;
	/**
	 * `of: "file"`: the file's size on disk (an encrypted file's envelope included, a Telethon or
	 * Pyrogram SQLite file's whole size); `"string"`: the string's length in characters;
	 * `"encoding"` (SQL and Redis stores, which keep rows or keys): the size the session would
	 * have as a v8 binary file, not the database's size.
	 */
	size: { bytes: number; of: "file" | "string" | "encoding" };
	/** The user id a compact, mtcute or Pyrogram string carries. */
	userId?: bigint;
	/** The bot flag an mtcute or Pyrogram string carries. */
	isBot?: boolean;
	/** The api_id a Pyrogram string or file carries (when not 0 / NULL). */
	apiId?: number;
}

/** How to write a session. */
export interface WriteOptions {
	/** Replace a session that is already there. */
	force: boolean;
	/** For string targets: which string to produce (default `"native"`). */
	stringFormat?: "native" | "compact";
	/** For compact strings: the account's user id. */
	userId?: bigint;
	/** For mtcute and Pyrogram strings: whether the account is a bot (default false). */
	isBot?: boolean;
	/** For Pyrogram strings: the api_id (default 0: Pyrogram then takes the Client's). */
	apiId?: number;
	/** Encrypt the target: whole blob for files and strings, the secrets for SQL and Redis. */
	encrypt?: boolean;
	/** The cipher to encrypt with; default: the one from X_SESSION_PASSPHRASE / X_SESSION_KEY. */
	cipher?: SessionCipher;
	/**
	 * `file:` targets: replace a file that cannot be read (another key, corrupt, newer, not a
	 * session file), passed as the file backend's `overwriteUnreadable`; its session is lost.
	 */
	overwriteUnreadable?: boolean;
}

/** How to read a session. */
export interface ReadOptions {
	/** Also reject what ferogram accepts silently (files and strings). */
	strict?: boolean;
	/** The cipher for encrypted data; default: the one from the environment. */
	cipher?: SessionCipher;
}

/** What `rekey` did. */
export interface RekeyResult {
	/** Whether the stored secrets were encrypted before. */
	wasEncrypted: boolean;
	/** For string and env locations: the re-encrypted string, to be printed on stdout. */
	printed?: string;
	/** The session as read back with the new setting. */
	readBack: PersistedSession;
}

/** What a write produced. */
export interface WriteResult {
	/** For string and env targets: the string, to be printed on stdout. */
	printed?: string;
	/** The session as read back from the target. */
	readBack: PersistedSession;
}

/** A location opened by the CLI. */
export interface Store {
	readonly location: Location;
	/** The stored session; rejects with a NOT_FOUND {@link CliError} when there is none. */
	read(options?: ReadOptions): Promise<ReadResult>;
	/** Writes `session` (refusing to replace one without `force`) and reads it back. */
	write(session: PersistedSession, options: WriteOptions): Promise<WriteResult>;
	/**
	 * Re-encrypts the stored secrets in place under the write lock: with `to` (a new key, or
	 * encryption switched on), or unencrypted when `to` is `null`; reads back and verifies.
	 * `from` decrypts the current data when it is encrypted.
	 */
	rekey(from: SessionCipher | undefined, to: SessionCipher | null): Promise<RekeyResult>;
	/** Deletes the stored session; NOT_FOUND when there is none. */
	remove(): Promise<void>;
	/** Imports a ferogram/layer database in place (sqlite: and libsql: only). */
	migrate?(): Promise<MigrateResult>;
	/** Session ids held by a multi-session store; `undefined` when the store holds one session. */
	list?(): Promise<string[]>;
	/** Releases connections. Idempotent. */
	close(): Promise<void>;
}
