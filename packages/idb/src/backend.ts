import {
	type BackendCapabilities,
	type CachedPeer,
	type DcEntry,
	type EncryptionSecret,
	type LoadOptions,
	type PeerKind,
	type PersistedSession,
	type SecretBytes,
	type SessionBackend,
	type SessionChanges,
	type SessionCipher,
	type UpdateStateChange,
	withEncryptedSecrets,
} from "@x/session-core";
import { toCipher } from "@x/session-core/backend";
import { noDatabase, noIndexedDb, storageError } from "./errors.js";
import { acquireLease, type Lease, withLease } from "./lease.js";
import { checkedEncryption } from "./open-check.js";
import { inTransaction, requested } from "./request.js";
import { ALL_STORES, EXTENSIONS, openDatabase, PEERS, SESSIONS, sessionRange } from "./schema.js";
import { IdbStore } from "./store.js";

/** Options of `IdbSessionBackend.open`. */
export interface IdbSessionOptions {
	/** The IndexedDB database; default `"x-session"`. One database holds many sessions. */
	database?: string;
	/** Which session of the database; default `"default"`. */
	sessionId?: string;
	/**
	 * Open without the writer lock: reads work while another tab writes, every write rejects, and
	 * a database the origin does not have is refused (`IO`) instead of created. Default `false`.
	 */
	readOnly?: boolean;
	/**
	 * Encrypts the auth keys, the future-auth token and extension values at rest (AES-256-GCM
	 * through WebCrypto): a key or passphrase, or a `SessionCipher`. Default: stored as they are.
	 */
	encryption?: EncryptionSecret | SessionCipher;
}

const DEFAULT_DATABASE = "x-session";

function databaseOf(options: IdbSessionOptions): string {
	return options.database ?? DEFAULT_DATABASE;
}

/** False only when the browser can list databases and this one is not among them. */
async function databaseExists(name: string): Promise<boolean> {
	if (typeof indexedDB.databases !== "function") return true;
	return (await indexedDB.databases()).some((d) => d.name === name);
}

function indexedDbAvailable(): void {
	if (typeof globalThis.indexedDB === "undefined") throw noIndexedDb();
}

/**
 * Sessions in the browser's IndexedDB, many to a database, one writer per session across the
 * tabs of an origin (a Web Lock, released by the browser when the holding tab closes). Every
 * granular call is one IndexedDB transaction; lookups go through indexes; nothing of the peer
 * cache is read on open.
 */
export class IdbSessionBackend implements SessionBackend {
	readonly name = "idb";
	readonly #store: IdbStore;
	readonly #api: SessionBackend;

	private constructor(store: IdbStore, cipher: SessionCipher | null) {
		this.#store = store;
		this.#api = cipher ? withEncryptedSecrets(store, cipher) : store;
	}

	/**
	 * Opens one session: takes its writer lock (unless `readOnly`) and opens the database. Rejects
	 * with `SessionLockedError` when another tab or worker of the origin has it open for writing.
	 */
	static async open(options: IdbSessionOptions = {}): Promise<IdbSessionBackend> {
		indexedDbAvailable();
		const database = databaseOf(options);
		const sessionId = options.sessionId ?? "default";
		const cipher = await toCipher(options.encryption);
		// opening a missing database would create it: a read-only open writes nothing
		if (options.readOnly && !(await databaseExists(database))) throw noDatabase(database);
		const lease: Lease | undefined = options.readOnly
			? undefined
			: await acquireLease(database, sessionId);
		try {
			const db = await openDatabase(database).catch((e) => {
				throw storageError(database, e);
			});
			const store = new IdbStore({ db, database, sessionId, lease });
			try {
				await checkedEncryption(store, cipher);
			} catch (error) {
				await store.close();
				throw error;
			}
			return new IdbSessionBackend(store, cipher);
		} catch (error) {
			lease?.release();
			throw error;
		}
	}

	/** The session ids stored in the database (never writes, nor creates a missing database). */
	static async listSessions(options: IdbSessionOptions = {}): Promise<string[]> {
		indexedDbAvailable();
		const database = databaseOf(options);
		if (!(await databaseExists(database))) return [];
		const db = await openDatabase(database).catch((e) => {
			throw storageError(database, e);
		});
		try {
			const keys = await inTransaction(db, [SESSIONS], "readonly", (tx) =>
				requested(tx.objectStore(SESSIONS).getAllKeys()),
			);
			return keys.map(String);
		} finally {
			db.close();
		}
	}

	/**
	 * Deletes session `sessionId` (`options.sessionId` is ignored). Refuses with
	 * `SessionLockedError` a session a tab has open for writing; `false` when there was none.
	 */
	static async deleteSession(options: IdbSessionOptions, sessionId: string): Promise<boolean> {
		indexedDbAvailable();
		const database = databaseOf(options);
		// opening a missing database would create it: there is nothing to delete
		if (!(await databaseExists(database))) return false;
		return withLease(database, sessionId, async () => {
			const db = await openDatabase(database).catch((e) => {
				throw storageError(database, e);
			});
			try {
				return await inTransaction(db, ALL_STORES, "readwrite", async (tx) => {
					const existed = (await requested(tx.objectStore(SESSIONS).count(sessionId))) > 0;
					tx.objectStore(SESSIONS).delete(sessionId);
					tx.objectStore(PEERS).delete(sessionRange(sessionId));
					tx.objectStore(EXTENSIONS).delete(sessionRange(sessionId));
					return existed;
				});
			} catch (error) {
				throw storageError(database, error);
			} finally {
				db.close();
			}
		});
	}

	get capabilities(): BackendCapabilities {
		return this.#store.capabilities;
	}

	/** Opened with `readOnly`: every write rejects. */
	get readOnly(): boolean {
		return this.#store.readOnly;
	}

	load(options?: LoadOptions): Promise<PersistedSession | null> {
		return this.#api.load(options);
	}
	save(session: PersistedSession): Promise<void> {
		return this.#api.save(session);
	}
	delete(): Promise<void> {
		return this.#api.delete();
	}
	close(): Promise<void> {
		return this.#api.close();
	}
	flush(): Promise<void> {
		return this.#api.flush();
	}
	updateDc(dc: DcEntry): Promise<void> {
		return this.#api.updateDc(dc);
	}
	setHomeDc(dcId: number): Promise<void> {
		return this.#api.setHomeDc(dcId);
	}
	applyUpdateState(change: UpdateStateChange): Promise<void> {
		return this.#api.applyUpdateState(change);
	}
	cachePeer(peer: CachedPeer): Promise<void> {
		return this.#api.cachePeer(peer);
	}
	cachePeers(peers: readonly CachedPeer[]): Promise<void> {
		return this.#api.cachePeers(peers);
	}
	applyChanges(changes: SessionChanges): Promise<void> {
		return this.#api.applyChanges(changes);
	}
	setExtension(key: string, value: Uint8Array | SecretBytes): Promise<void> {
		return this.#api.setExtension(key, value);
	}
	deleteExtension(key: string): Promise<void> {
		return this.#api.deleteExtension(key);
	}
	getExtension(key: string): Promise<SecretBytes | null> {
		return this.#api.getExtension(key);
	}
	listExtensionKeys(prefix?: string): Promise<string[]> {
		return this.#api.listExtensionKeys(prefix);
	}
	getPeer(kind: PeerKind, id: bigint): Promise<CachedPeer | null> {
		return this.#api.getPeer(kind, id);
	}
	findPeerByUsername(username: string): Promise<CachedPeer | null> {
		return this.#api.findPeerByUsername(username);
	}
	findPeerByPhone(phone: string): Promise<CachedPeer | null> {
		return this.#api.findPeerByPhone(phone);
	}
}
