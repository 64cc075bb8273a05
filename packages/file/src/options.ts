import { type EncryptionSecret, SessionBackendError, type SessionCipher } from "@x/session-core";
import type { FileSystem } from "./fs.js";

/** The backend name every error of this package carries. */
export const BACKEND = "file";

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

/** Refuses options `open()` cannot work with, before anything is touched. */
export function checkOptions(options: FileSessionOptions): void {
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
}
