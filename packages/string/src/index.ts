import {
	type BackendCapabilities,
	type CompactSession,
	CorruptSessionError,
	cloneSession,
	decodeSessionString,
	EncodeOverflowError,
	type EncryptionSecret,
	encodeNativeString,
	type PersistedSession,
	SessionBackendError,
	type SessionCipher,
	SessionEncryptionError,
	UnsupportedVersionError,
} from "@x/session-core";
import { BaseSessionBackend, base64Decode, base64Encode, toCipher } from "@x/session-core/backend";

const BACKEND = "string";
/** Encrypted strings: this prefix, then the base64url (no padding) of an AES-256-GCM envelope. */
const ENCRYPTED_PREFIX = "xse1_";

/** Options of the `StringSessionBackend` constructor. */
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

/**
 * Holds a session as a string: a native (full-state) string, a compact string (auto-detected) or
 * `""` for a fresh session. Every write produces a new native string, available from `current()`
 * and handed to `onChange`. An invalid string makes `load()` and every write reject with a typed
 * error and is never replaced.
 */
export class StringSessionBackend extends BaseSessionBackend {
	readonly name = BACKEND;
	override readonly capabilities: BackendCapabilities = {
		persistent: false,
		multiSession: false,
		locking: false,
		nativeGranular: false,
		coalescing: false,
		extensions: true,
		nativeLookups: false,
	};
	readonly #options: StringSessionOptions;
	#text: string;
	/** The decoded form of `#text`, once decoded; `null` for an empty string. */
	#decoded: { session: PersistedSession | null } | undefined;
	readonly #initial: string;
	#origin: StringOrigin | undefined;
	#cipher: Promise<SessionCipher | null>;

	constructor(initial = "", options: StringSessionOptions = {}) {
		super();
		if (typeof initial !== "string") {
			throw new SessionBackendError("INVALID_ARGUMENT", "the initial session must be a string", {
				backend: BACKEND,
			});
		}
		this.#text = initial;
		this.#initial = initial;
		this.#options = options;
		this.#cipher = toCipher(options.encryption);
		this.#cipher.catch(() => undefined); // reported by the first call that needs it
	}

	/** The current session string: native after any write; as given before the first. */
	current(): string {
		return this.#text;
	}

	/**
	 * The format of the initial string and, for a compact one, its user id. Throws when invalid.
	 * An encrypted string reports `"encrypted"` (its content is read by `load()`).
	 */
	origin(): StringOrigin {
		if (this.#initial.trim().startsWith(ENCRYPTED_PREFIX)) return { format: "encrypted" };
		if (!this.#origin) {
			const decoded = this.#decodeText(this.#initial);
			this.#origin =
				decoded.format === "compact"
					? { format: "compact", userId: (decoded.compact as CompactSession).userId }
					: { format: decoded.format };
		}
		return { ...this.#origin };
	}

	/** Rewrites the string now with a new key or passphrase, or unencrypted with `null`. */
	setEncryption(encryption: EncryptionSecret | SessionCipher | null): Promise<void> {
		return this.exclusive(async () => {
			const session = await this.#decode();
			const previous = this.#cipher;
			this.#cipher = toCipher(encryption);
			try {
				if (session) await this.saveSession(session);
			} catch (error) {
				this.#cipher = previous;
				throw error;
			}
		});
	}

	protected async loadSession(): Promise<PersistedSession | null> {
		const session = await this.#decode();
		return session && cloneSession(session);
	}

	protected async saveSession(session: PersistedSession): Promise<void> {
		let text: string;
		try {
			if (this.#options.peerData === false) session = withoutPeerData(session);
			text = encodeNativeString(session);
		} catch (cause) {
			throw rewrap(cause, "the session does not fit a native string");
		}
		const cipher = await this.#cipher;
		if (cipher) {
			const sealed = await cipher.encrypt(new TextEncoder().encode(text));
			text = ENCRYPTED_PREFIX + base64Encode(sealed);
		}
		await this.#publish(text, cloneSession(session));
	}

	protected async deleteSession(): Promise<void> {
		await this.#publish("", null);
	}

	async #publish(text: string, session: PersistedSession | null): Promise<void> {
		const previous = { text: this.#text, decoded: this.#decoded };
		this.#text = text;
		this.#decoded = { session };
		try {
			await this.#options.onChange?.(text);
		} catch (cause) {
			this.#text = previous.text;
			this.#decoded = previous.decoded;
			throw new SessionBackendError(
				"IO",
				"onChange rejected the new session string; kept the previous one",
				{
					backend: BACKEND,
					cause,
				},
			);
		}
	}

	async #decode(): Promise<PersistedSession | null> {
		if (!this.#decoded) {
			const text = await this.#decrypt(this.#text);
			this.#decoded = { session: this.#decodeText(text).session };
		}
		return this.#decoded.session;
	}

	/** The plain string inside an encrypted one; other strings pass through. */
	async #decrypt(text: string): Promise<string> {
		const trimmed = text.trim();
		if (!trimmed.startsWith(ENCRYPTED_PREFIX)) return text;
		const cipher = await this.#cipher;
		if (!cipher) {
			throw new SessionEncryptionError(
				"missing-key",
				"the session string is encrypted; pass the encryption option",
				{
					backend: BACKEND,
				},
			);
		}
		let sealed: Uint8Array;
		try {
			sealed = base64Decode(trimmed.slice(ENCRYPTED_PREFIX.length), {
				what: "encrypted session string",
			});
		} catch (cause) {
			throw new SessionEncryptionError(
				"tampered",
				"the encrypted session string is not valid base64url",
				{
					backend: BACKEND,
					cause,
				},
			);
		}
		return new TextDecoder().decode(await cipher.decrypt(sealed, BACKEND));
	}

	#decodeText(text: string): ReturnType<typeof decodeSessionString> {
		try {
			return decodeSessionString(text, { lenient: this.#options.lenient === true });
		} catch (cause) {
			throw rewrap(cause, "the session string does not decode");
		}
	}
}

/** The codec's error, re-raised under this backend's name with the same class and code. */
function rewrap(cause: unknown, what: string): SessionBackendError {
	if (!(cause instanceof SessionBackendError)) {
		return new CorruptSessionError(what, { backend: BACKEND, cause });
	}
	const detail = cause.message.replace(/^\[x-session\] \[[^\]]*\] /, "");
	const message = `${what}: ${detail}`;
	if (cause instanceof UnsupportedVersionError) {
		return new UnsupportedVersionError(cause.version, message, { backend: BACKEND, cause });
	}
	if (cause instanceof EncodeOverflowError)
		return new EncodeOverflowError(message, { backend: BACKEND, cause });
	if (cause instanceof CorruptSessionError)
		return new CorruptSessionError(message, { backend: BACKEND, cause });
	return new SessionBackendError(cause.code, message, { backend: BACKEND, cause });
}

/** The session without any peer's metadata `data` (what `peerData: false` keeps). */
function withoutPeerData(session: PersistedSession): PersistedSession {
	return {
		...session,
		peers: session.peers.map((p) => (p.meta?.data ? { ...p, meta: { ...p.meta, data: null } } : p)),
	};
}
