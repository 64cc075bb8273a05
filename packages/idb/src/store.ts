// The session store itself: IndexedDB rows for one session, every call one transaction. Peer
// writes read only the rows they touch (the batch's peers and the current owners of the
// usernames and phones it claims) and run core's merge rules on that small set.
import {
	type BackendCapabilities,
	type CachedPeer,
	extensionValue,
	type LoadOptions,
	normalizeSession,
	type PeerKind,
	type PersistedSession,
	SecretBytes,
	SessionBackendError,
	type SessionChanges,
} from "@x/session-core";
import {
	applySessionChanges,
	BaseSessionBackend,
	changesAreEmpty,
	checkExtensionKey,
	normalizePhone,
	normalizeUsername,
	type PreparedChanges,
	prepareChanges,
	preparePeers,
	upsertPreparedPeers,
} from "@x/session-core/backend";
import { storageError } from "./errors.js";
import type { Lease } from "./lease.js";
import {
	fromHead,
	type HeadRecord,
	type PeerRecord,
	peerKey,
	toHead,
	toPeerRecord,
} from "./records.js";
import { inTransaction, requested } from "./request.js";
import {
	ALL_STORES,
	BY_PHONE,
	BY_USERNAME,
	EXTENSIONS,
	PEERS,
	SESSIONS,
	sessionRange,
} from "./schema.js";

/** The stores and lease one `IdbSessionBackend` works on. */
export interface StoreTarget {
	db: IDBDatabase;
	database: string;
	sessionId: string;
	/** `undefined` for a read-only backend. */
	lease: Lease | undefined;
}

export class IdbStore extends BaseSessionBackend {
	readonly name = "idb";
	override readonly capabilities: BackendCapabilities = {
		persistent: true,
		multiSession: true,
		locking: true,
		nativeGranular: true,
		coalescing: false,
		extensions: true,
		nativeLookups: true,
	};
	readonly #t: StoreTarget;

	constructor(target: StoreTarget) {
		super();
		this.#t = target;
	}

	get readOnly(): boolean {
		return this.#t.lease === undefined;
	}

	async #tx<T>(
		mode: IDBTransactionMode,
		body: (stores: (name: string) => IDBObjectStore) => Promise<T>,
	): Promise<T> {
		if (mode === "readwrite" && this.readOnly)
			throw new SessionBackendError(
				"UNSUPPORTED",
				`session "${this.#t.sessionId}" was opened read-only; open it without readOnly to write (one tab at a time)`,
				{ backend: this.name },
			);
		try {
			return await inTransaction(this.#t.db, ALL_STORES, mode, (tx) =>
				body((name) => tx.objectStore(name)),
			);
		} catch (error) {
			throw storageError(this.#t.database, error);
		}
	}

	/** The session's head record alone (no peers), or `undefined`. */
	head(): Promise<HeadRecord | undefined> {
		const id = this.#t.sessionId;
		return this.#read((store) => requested(store(SESSIONS).get(id)));
	}

	protected async loadSession(options?: LoadOptions): Promise<PersistedSession | null> {
		const id = this.#t.sessionId;
		const withPeers = options?.peers !== false;
		return this.#tx("readonly", async (store) => {
			const [head, peers, keys, values] = await Promise.all([
				requested(store(SESSIONS).get(id)) as Promise<HeadRecord | undefined>,
				withPeers
					? (requested(store(PEERS).getAll(sessionRange(id))) as Promise<PeerRecord[]>)
					: [],
				requested(store(EXTENSIONS).getAllKeys(sessionRange(id))),
				requested(store(EXTENSIONS).getAll(sessionRange(id))) as Promise<Uint8Array[]>,
			]);
			if (!head) return null;
			const session = fromHead(head);
			session.peers = peers.map((r) => r.peer);
			if (keys.length > 0)
				session.extensions = new Map(
					keys.map((k, i) => [
						(k as string[])[1] as string,
						new SecretBytes(values[i] as Uint8Array),
					]),
				);
			return session;
		});
	}

	protected async saveSession(session: PersistedSession): Promise<void> {
		const s = normalizeSession(session);
		const id = this.#t.sessionId;
		await this.#tx("readwrite", async (store) => {
			store(PEERS).delete(sessionRange(id));
			store(EXTENSIONS).delete(sessionRange(id));
			store(SESSIONS).put(toHead(s), id);
			for (const peer of s.peers)
				store(PEERS).put(toPeerRecord(id, peer), peerKey(id, peer.kind, peer.id));
			for (const [key, value] of s.extensions ?? [])
				store(EXTENSIONS).put(value.expose(), [id, key]);
		});
	}

	protected async deleteSession(): Promise<void> {
		const id = this.#t.sessionId;
		await this.#tx("readwrite", async (store) => {
			store(SESSIONS).delete(id);
			store(PEERS).delete(sessionRange(id));
			store(EXTENSIONS).delete(sessionRange(id));
		});
	}

	protected override async closeSession(): Promise<void> {
		this.#t.db.close();
		this.#t.lease?.release();
	}

	/**
	 * The base class's updateDc, setHomeDc and applyUpdateState (checks included) end here: one
	 * transaction reads the head (or an empty one), lets `change` edit it, writes it back. Every
	 * write that touches peers or extension values is overridden below, so `change` never sees
	 * the peer list, which this session holds empty.
	 */
	protected override mutate(change: (session: PersistedSession) => void): Promise<void> {
		const id = this.#t.sessionId;
		return this.exclusive(() =>
			this.#tx("readwrite", async (store) => {
				const session = fromHead(await requested(store(SESSIONS).get(id)));
				change(session);
				store(SESSIONS).put(toHead(session), id);
			}),
		);
	}

	/**
	 * The session's head and the stored peers a batch touches: the batch's own and the owners of
	 * every username and phone it claims, so core's merge and claim rules see all they change.
	 */
	async #touched(
		store: (name: string) => IDBObjectStore,
		peers: readonly CachedPeer[],
	): Promise<PersistedSession> {
		const id = this.#t.sessionId;
		const peerStore = store(PEERS);
		const reads: Promise<PeerRecord | undefined>[] = [];
		for (const p of peers) {
			reads.push(requested(peerStore.get(peerKey(id, p.kind, p.id))));
			for (const u of p.meta?.usernames ?? [])
				reads.push(requested(peerStore.index(BY_USERNAME).get([id, u])));
			if (p.meta?.phone) reads.push(requested(peerStore.index(BY_PHONE).get([id, p.meta.phone])));
		}
		const [head, ...found] = await Promise.all([
			requested(store(SESSIONS).get(id)) as Promise<HeadRecord | undefined>,
			...reads,
		]);
		const session = fromHead(head);
		const seen = new Set<string>();
		for (const record of found) {
			if (!record) continue;
			const key = `${record.peer.kind}:${record.peer.id}`;
			if (seen.has(key)) continue;
			seen.add(key);
			session.peers.push(record.peer);
		}
		return session;
	}

	#writePeersAndHead(store: (name: string) => IDBObjectStore, session: PersistedSession): void {
		const id = this.#t.sessionId;
		store(SESSIONS).put(toHead(session), id);
		for (const peer of session.peers)
			store(PEERS).put(toPeerRecord(id, peer), peerKey(id, peer.kind, peer.id));
	}

	override cachePeers(peers: readonly CachedPeer[]): Promise<void> {
		let copy: CachedPeer[];
		try {
			copy = preparePeers(peers, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.exclusive(() =>
			this.#tx("readwrite", async (store) => {
				const session = await this.#touched(store, copy);
				upsertPreparedPeers(session, copy);
				this.#writePeersAndHead(store, session);
			}),
		);
	}

	/** One transaction: the head, the touched peers and the extension rows, all or nothing. */
	override applyChanges(changes: SessionChanges): Promise<void> {
		let prepared: PreparedChanges;
		try {
			prepared = prepareChanges(changes, this.name, true);
		} catch (error) {
			return Promise.reject(error);
		}
		if (changesAreEmpty(prepared)) return this.exclusive(async () => {});
		const id = this.#t.sessionId;
		return this.exclusive(() =>
			this.#tx("readwrite", async (store) => {
				const session = await this.#touched(store, prepared.peers);
				applySessionChanges(session, { ...prepared, deleteExtensions: [], setExtensions: [] });
				this.#writePeersAndHead(store, session);
				for (const key of prepared.deleteExtensions) store(EXTENSIONS).delete([id, key]);
				for (const [key, value] of prepared.setExtensions)
					store(EXTENSIONS).put(value.expose(), [id, key]);
			}),
		);
	}

	// async: a bad argument rejects; the write is still queued synchronously, in call order
	override async setExtension(key: string, value: Uint8Array | SecretBytes): Promise<void> {
		const bytes = extensionValue(key, value, this.name).expose();
		return this.#extensionWrite((store, id) => store(EXTENSIONS).put(bytes, [id, key]));
	}

	override deleteExtension(key: string): Promise<void> {
		try {
			checkExtensionKey(key, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.#extensionWrite((store, id) => store(EXTENSIONS).delete([id, key]));
	}

	/** An extension write; a session that did not exist yet is created empty, as by the others. */
	#extensionWrite(
		write: (store: (name: string) => IDBObjectStore, id: string) => void,
	): Promise<void> {
		const id = this.#t.sessionId;
		return this.exclusive(() =>
			this.#tx("readwrite", async (store) => {
				const head = await requested(store(SESSIONS).get(id));
				if (!head) store(SESSIONS).put(toHead(fromHead(undefined)), id);
				write(store, id);
			}),
		);
	}

	override getExtension(key: string): Promise<SecretBytes | null> {
		try {
			checkExtensionKey(key, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.#read(async (store, id) => {
			const value = (await requested(store(EXTENSIONS).get([id, key]))) as Uint8Array | undefined;
			return value ? new SecretBytes(value) : null;
		});
	}

	override listExtensionKeys(prefix = ""): Promise<string[]> {
		return this.#read(async (store, id) => {
			const keys = await requested(store(EXTENSIONS).getAllKeys(sessionRange(id)));
			return keys
				.map((k) => (k as string[])[1] as string)
				.filter((k) => k.startsWith(prefix))
				.sort();
		});
	}

	override getPeer(kind: PeerKind, id: bigint): Promise<CachedPeer | null> {
		return this.#peer((store, sid) => store(PEERS).get(peerKey(sid, kind, BigInt(id))));
	}

	override findPeerByUsername(username: string): Promise<CachedPeer | null> {
		const name = normalizeUsername(String(username));
		if (name.length === 0) return this.exclusive(async () => null);
		return this.#peer((store, sid) => store(PEERS).index(BY_USERNAME).get([sid, name]));
	}

	override findPeerByPhone(phone: string): Promise<CachedPeer | null> {
		const digits = normalizePhone(String(phone));
		if (digits.length === 0) return this.exclusive(async () => null);
		return this.#peer((store, sid) => store(PEERS).index(BY_PHONE).get([sid, digits]));
	}

	#peer(
		get: (store: (name: string) => IDBObjectStore, id: string) => IDBRequest,
	): Promise<CachedPeer | null> {
		return this.#read(async (store, id) => {
			const record = (await requested(get(store, id))) as PeerRecord | undefined;
			return record?.peer ?? null;
		});
	}

	#read<T>(read: (store: (name: string) => IDBObjectStore, id: string) => Promise<T>): Promise<T> {
		return this.exclusive(() => this.#tx("readonly", (store) => read(store, this.#t.sessionId)));
	}
}
