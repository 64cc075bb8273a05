import type { BackendCapabilities, SessionBackend } from "./backend.js";
import { checkedDc } from "./changes.js";
import { AUTH_KEY_LENGTH } from "./codec/format.js";
import { isEncryptedEnvelope, SessionCipher, SessionEncryptionError } from "./crypto.js";
import { SessionBackendError } from "./errors.js";
import { clonePeer, extensionValue } from "./extensions.js";
import { SecretBytes } from "./secret.js";
import { SerialQueue } from "./serial-queue.js";
import { cloneSession } from "./session.js";
import type {
	CachedPeer,
	DcEntry,
	LoadOptions,
	PeerKind,
	PersistedSession,
	SessionChanges,
	UpdateStateChange,
} from "./types.js";

/** Options of {@link withEncryptedSecrets}. */
export interface EncryptedSecretsOptions {
	/**
	 * Let `save()` replace a stored session whose secrets this cipher cannot open (another key or
	 * passphrase, damaged envelopes); the session it held is then lost. Default `false`. Granular
	 * writes of secrets are refused either way: they would mix two keys in one store.
	 */
	overwriteUnreadable?: boolean;
}

/**
 * Wraps a backend so the auth keys and the future-auth token it stores are AES-256-GCM envelopes
 * (see `SessionCipher`), while everything else keeps its layout: SQL and Redis backends still
 * write one row or field per granular call. Secrets found unencrypted are returned as they are
 * and encrypted on their next write, so an existing store can be switched on in place; an
 * envelope needs the right key, else `SessionEncryptionError`.
 *
 * A store holding envelopes this cipher cannot open (a wrong passphrase) refuses every write of
 * secrets (`save`, `updateDc`, `setExtension`, `applyChanges` with DCs or extension values) with
 * that `SessionEncryptionError`, and nothing is written: sealed under the wrong passphrase, a new
 * key would lock the right one out. Checked once, before the first such write (or by a `load()`
 * that succeeds); later writes pay nothing.
 */
export function withEncryptedSecrets(
	inner: SessionBackend,
	cipher: SessionCipher,
	options: EncryptedSecretsOptions = {},
): SessionBackend {
	return new EncryptedSecretsBackend(inner, cipher, options.overwriteUnreadable === true);
}

/** Re-encrypts every secret of a stored session: rotation (`from` → `to`), or on/off (`null`). */
export async function reencryptSecrets(
	inner: SessionBackend,
	from: SessionCipher | null,
	to: SessionCipher | null,
): Promise<boolean> {
	const reader = from ? withEncryptedSecrets(inner, from) : inner;
	const session = await reader.load();
	if (!session) return false;
	if (to === null) {
		// reading through `from` already yielded plaintext; refuse to leave envelopes behind
		for (const s of secretsOf(session))
			if (isEncryptedEnvelope(s.expose()))
				throw new SessionEncryptionError(
					"missing-key",
					"a secret is still encrypted; pass the cipher it was encrypted with",
					{
						backend: inner.name,
					},
				);
	}
	// the store was just read through `from`: it may be replaced even though `to` cannot open it
	await (to ? new EncryptedSecretsBackend(inner, to, true) : inner).save(session);
	return true;
}

function secretsOf(session: PersistedSession): SecretBytes[] {
	const out = session.dcs.flatMap((d) => (d.authKey ? [d.authKey] : []));
	if (session.futureAuthToken) out.push(session.futureAuthToken);
	out.push(...(session.extensions?.values() ?? []));
	return out;
}

class EncryptedSecretsBackend implements SessionBackend {
	readonly name: string;
	readonly capabilities: BackendCapabilities;
	readonly #inner: SessionBackend;
	readonly #cipher: SessionCipher;
	readonly #overwriteUnreadable: boolean;
	/** Hands calls to the inner backend one at a time, in the order they were made. */
	readonly #dispatch = new SerialQueue();
	/** The stored secrets were seen to open with this cipher (or there were none). */
	#opens = false;

	constructor(inner: SessionBackend, cipher: SessionCipher, overwriteUnreadable = false) {
		if (!(cipher instanceof SessionCipher))
			throw new SessionBackendError(
				"INVALID_ARGUMENT",
				"withEncryptedSecrets needs a SessionCipher: pass `await SessionCipher.create({ passphrase })` (or `{ key }`), not the secret itself",
				{ backend: inner?.name ?? "encrypted-secrets" },
			);
		this.#inner = inner;
		this.#cipher = cipher;
		this.#overwriteUnreadable = overwriteUnreadable;
		this.name = inner.name;
		this.capabilities = inner.capabilities;
	}

	async #seal(secret: SecretBytes | null): Promise<SecretBytes | null> {
		return secret && new SecretBytes(await secret.read((b) => this.#cipher.encrypt(b)));
	}

	/**
	 * The plaintext of a stored secret. An auth key is exactly 256 bytes and its envelope never
	 * is, so a 256-byte value is a plain key (an unencrypted store), and any other length must be
	 * an envelope: a damaged one (even its magic bytes) is an error, never a garbage key.
	 */
	async #open(secret: SecretBytes | null, authKey = false): Promise<SecretBytes | null> {
		if (!secret) return null;
		if (authKey && secret.length === AUTH_KEY_LENGTH) return secret;
		const bytes = secret.expose();
		if (!isEncryptedEnvelope(bytes)) {
			if (!authKey) return secret;
			throw new SessionEncryptionError(
				"tampered",
				`stored auth key is neither a ${AUTH_KEY_LENGTH}-byte key nor an encrypted envelope`,
				{ backend: this.name },
			);
		}
		try {
			return new SecretBytes(await this.#cipher.decrypt(bytes, this.name));
		} finally {
			bytes.fill(0);
		}
	}

	async #sealDc(dc: DcEntry): Promise<DcEntry> {
		// checked as plaintext: sealed, a key of any length would pass the inner backend's check
		const plain = checkedDc(dc, this.name);
		if (plain.authKey && plain.authKey.length !== AUTH_KEY_LENGTH)
			throw new SessionBackendError(
				"INVALID_ARGUMENT",
				`auth key of DC ${plain.dcId} must be ${AUTH_KEY_LENGTH} bytes, got ${plain.authKey.length}; nothing was written`,
				{ backend: this.name },
			);
		return { ...plain, authKey: await this.#seal(plain.authKey) };
	}

	/**
	 * Hands calls to the inner backend in the order they were made, even though encrypting their
	 * arguments takes a while: the inner backend's own ordering guarantee then carries over.
	 */
	#inOrder<T, R>(
		prepared: Promise<T> | T,
		send: (value: T) => Promise<R>,
		writesSecrets = false,
	): Promise<R> {
		let result!: Promise<R>;
		const ready = Promise.resolve(prepared);
		ready.catch(() => undefined); // a failure is reported through `sent`, once its turn comes
		const sent = this.#dispatch.run(async () => {
			const value = await ready;
			if (writesSecrets && !this.#opens) await this.#checkStoredSecrets();
			result = send(value);
		});
		return sent.then(() => result);
	}

	async load(options?: LoadOptions): Promise<PersistedSession | null> {
		const s = await this.#inOrder(undefined, () => this.#inner.load(options));
		if (s) await this.#openAll(s);
		this.#opens = true; // every stored secret opened: writes need no check of their own
		return s;
	}

	/** Replaces every secret of `s` by its plaintext; throws on the first that does not open. */
	async #openAll(s: PersistedSession): Promise<void> {
		for (const dc of s.dcs) dc.authKey = await this.#open(dc.authKey, true);
		s.futureAuthToken = await this.#open(s.futureAuthToken);
		for (const [key, value] of s.extensions ?? [])
			s.extensions?.set(key, (await this.#open(value)) as SecretBytes);
	}

	/**
	 * Refuses a write of secrets into a store whose secrets this cipher cannot open: sealed under
	 * a wrong passphrase, the new ones would sit next to the old ones, and the right passphrase
	 * could no longer load the session. Runs in call order, before the write is handed on; a
	 * success is kept, so only the first write (and only without an earlier load) reads the store.
	 */
	async #checkStoredSecrets(): Promise<void> {
		const stored = await this.#inner.load({ peers: false }); // the peers hold no secret
		try {
			if (stored) await this.#openAll(stored);
		} catch (error) {
			if (!(error instanceof SessionEncryptionError)) throw error;
			throw new SessionEncryptionError(
				error.reason,
				`the stored secrets do not open with this key or passphrase (${error.reason}); nothing was written. Use the key they were written with, rotate with reencryptSecrets, or delete() the session to start over`,
				{ backend: this.name, cause: error },
			);
		}
		this.#opens = true;
	}

	save(session: PersistedSession): Promise<void> {
		const copy = cloneSession(session);
		const sealed = (async () => {
			const out: PersistedSession = {
				...copy,
				dcs: await Promise.all(copy.dcs.map((d) => this.#sealDc(d))),
				futureAuthToken: await this.#seal(copy.futureAuthToken),
			};
			if (copy.extensions) {
				const entries = [...copy.extensions];
				const values = await Promise.all(entries.map(([, v]) => this.#seal(v)));
				out.extensions = new Map(entries.map(([k], i) => [k, values[i] as SecretBytes]));
			}
			return out;
		})();
		// overwriteUnreadable: a full save replaces every secret, so nothing is mixed
		return this.#inOrder(sealed, (s) => this.#inner.save(s), !this.#overwriteUnreadable).then(
			() => {
				this.#opens = true;
			},
		);
	}

	updateDc(dc: DcEntry): Promise<void> {
		return this.#inOrder(this.#sealDc(dc), (d) => this.#inner.updateDc(d), true);
	}

	delete(): Promise<void> {
		return this.#inOrder(undefined, () => this.#inner.delete());
	}
	close(): Promise<void> {
		return this.#inOrder(undefined, () => this.#inner.close());
	}
	flush(): Promise<void> {
		return this.#inOrder(undefined, () => this.#inner.flush());
	}
	setHomeDc(dcId: number): Promise<void> {
		return this.#inOrder(undefined, () => this.#inner.setHomeDc(dcId));
	}
	applyUpdateState(change: UpdateStateChange): Promise<void> {
		return this.#inOrder(undefined, () => this.#inner.applyUpdateState(change));
	}
	cachePeer(peer: CachedPeer): Promise<void> {
		return this.#inOrder(undefined, () => this.#inner.cachePeer(peer));
	}
	cachePeers(peers: readonly CachedPeer[]): Promise<void> {
		const copy = peers.map(clonePeer);
		return this.#inOrder(undefined, () => this.#inner.cachePeers(copy));
	}
	/** Seals DC auth keys and extension values as updateDc and setExtension do, then one inner batch. */
	applyChanges(changes: SessionChanges): Promise<void> {
		let plain: [string, SecretBytes][];
		let copy: SessionChanges;
		try {
			if (typeof changes !== "object" || changes === null)
				throw new SessionBackendError("INVALID_ARGUMENT", "changes must be an object", {
					backend: this.name,
				});
			plain = (changes.setExtensions ?? []).map((entry) => {
				if (!Array.isArray(entry))
					throw new SessionBackendError(
						"INVALID_ARGUMENT",
						"setExtensions entries are [key, value]",
						{
							backend: this.name,
						},
					);
				const [key, value] = entry;
				return [key, extensionValue(key, value, this.name)];
			});
			copy = {
				...changes,
				...(changes.dcs ? { dcs: changes.dcs.map((d) => ({ ...d })) } : {}),
				...(changes.peers ? { peers: changes.peers.map(clonePeer) } : {}),
				...(changes.updateState ? { updateState: [...changes.updateState] } : {}),
				...(changes.minPeers ? { minPeers: changes.minPeers.map((m) => ({ ...m })) } : {}),
				...(changes.deleteMinPeers ? { deleteMinPeers: [...changes.deleteMinPeers] } : {}),
				...(changes.deleteExtensions ? { deleteExtensions: [...changes.deleteExtensions] } : {}),
			};
		} catch (error) {
			return Promise.reject(error);
		}
		const sealed = (async (): Promise<SessionChanges> => {
			const out: SessionChanges = { ...copy };
			if (copy.dcs) out.dcs = await Promise.all(copy.dcs.map((d) => this.#sealDc(d)));
			if (copy.setExtensions)
				out.setExtensions = await Promise.all(
					plain.map(async ([k, v]) => [k, (await this.#seal(v)) as SecretBytes] as const),
				);
			return out;
		})();
		const writesSecrets = (copy.dcs?.length ?? 0) + plain.length > 0;
		return this.#inOrder(sealed, (c) => this.#inner.applyChanges(c), writesSecrets);
	}
	setExtension(key: string, value: Uint8Array | SecretBytes): Promise<void> {
		let plain: SecretBytes;
		try {
			plain = extensionValue(key, value, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		const sealed = this.#seal(plain);
		return this.#inOrder(sealed, (v) => this.#inner.setExtension(key, v as SecretBytes), true);
	}
	deleteExtension(key: string): Promise<void> {
		return this.#inOrder(undefined, () => this.#inner.deleteExtension(key));
	}
	async getExtension(key: string): Promise<SecretBytes | null> {
		return this.#open(await this.#inOrder(undefined, () => this.#inner.getExtension(key)));
	}
	listExtensionKeys(prefix?: string): Promise<string[]> {
		return this.#inOrder(undefined, () => this.#inner.listExtensionKeys(prefix));
	}
	getPeer(kind: PeerKind, id: bigint): Promise<CachedPeer | null> {
		return this.#inOrder(undefined, () => this.#inner.getPeer(kind, id));
	}
	findPeerByUsername(username: string): Promise<CachedPeer | null> {
		return this.#inOrder(undefined, () => this.#inner.findPeerByUsername(username));
	}
	findPeerByPhone(phone: string): Promise<CachedPeer | null> {
		return this.#inOrder(undefined, () => this.#inner.findPeerByPhone(phone));
	}
}
