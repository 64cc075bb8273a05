import {
	type BackendCapabilities,
	type CompactSession,
	cloneSession,
	decodeSessionString,
	type EncryptionSecret,
	encodeNativeString,
	type PersistedSession,
	SessionBackendError,
	type SessionCipher,
} from "@x/session-core";
import { BaseSessionBackend, toCipher } from "@x/session-core/backend";
import { ENCRYPTED_PREFIX, openString, sealString } from "./encryption.js";
import { rewrap } from "./errors.js";
import {
	BACKEND,
	type StringOrigin,
	type StringSessionOpenOptions,
	type StringSessionOptions,
} from "./options.js";

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

	/**
	 * Opens a session held as a string, the shape every backend opens with: `options.session` is
	 * the string to start from (default `""`, a fresh session). Unlike the constructor, a bad
	 * `encryption` option rejects here rather than at the first call.
	 */
	static async open(options: StringSessionOpenOptions = {}): Promise<StringSessionBackend> {
		const { session = "", ...rest } = options;
		const backend = new StringSessionBackend(session, rest);
		await backend.#cipher;
		return backend;
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
		text = await sealString(await this.#cipher, text);
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
		return openString(await this.#cipher, text);
	}

	#decodeText(text: string): ReturnType<typeof decodeSessionString> {
		try {
			return decodeSessionString(text, { lenient: this.#options.lenient === true });
		} catch (cause) {
			throw rewrap(cause, "the session string does not decode");
		}
	}
}

/** The session without any peer's metadata `data` (what `peerData: false` keeps). */
function withoutPeerData(session: PersistedSession): PersistedSession {
	return {
		...session,
		peers: session.peers.map((p) => (p.meta?.data ? { ...p, meta: { ...p.meta, data: null } } : p)),
	};
}
