import type { EncryptionSecret, SessionCipher } from "@x/session-core";

/** The backend name every error of this package carries. */
export const BACKEND = "string";

/** Options of the `StringSessionBackend` constructor (its second argument). */
export interface StringSessionOptions {
	/**
	 * Called with the new native string after every write (`""` after `delete()`), to keep it in a
	 * secret store or an environment file: the string only survives if it is saved somewhere. When
	 * it rejects, the write rejects and the previous string stays current.
	 */
	onChange?: (session: string) => unknown;
	/** Accept `=` padding and the standard base64 alphabet in native strings. */
	lenient?: boolean;
	/**
	 * Encrypt the string (AES-256-GCM; a 32-byte key or a passphrase): every new string is
	 * `xse1_…`. Plain strings still load and are encrypted on the next write.
	 */
	encryption?: EncryptionSecret | SessionCipher;
	/**
	 * Keep each peer's opaque metadata `data` in the string (default `true`). With `false` the
	 * data is dropped on every write, which keeps strings short; the rest of the metadata stays.
	 */
	peerData?: boolean;
}

/** What the string held when the backend was created. */
export interface StringOrigin {
	format: "empty" | "native" | "compact" | "encrypted";
	/** From a compact string: the account's user id, which the session model has no place for. */
	userId?: bigint;
}

/** Options of `StringSessionBackend.open`: the constructor's options and the string to start from. */
export interface StringSessionOpenOptions extends StringSessionOptions {
	/** The session string: native, compact, `xse1_…` (encrypted), or `""` (default) for a fresh session. */
	session?: string;
}
