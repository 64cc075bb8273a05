import {
	applyUpdateStateChange,
	type BackendCapabilities,
	type CachedPeer,
	cloneSession,
	type DcEntry,
	emptySession,
	extensionValue,
	type LoadOptions,
	type PeerKind,
	type PersistedSession,
	type SecretBytes,
	type SessionChanges,
	setSessionExtension,
	type UpdateStateChange,
	upsertDc,
} from "@x/session-core";
import {
	applySessionChanges,
	BaseSessionBackend,
	changesAreEmpty,
	checkExtensionKey,
	checkedDc,
	checkedStateChange,
	checkHomeDc,
	clonePeer,
	PeerIndex,
	type PreparedChanges,
	prepareChanges,
	preparePeers,
	upsertPreparedPeers,
} from "@x/session-core/backend";

/** Options of `MemorySessionBackend.open`. */
export interface MemorySessionOptions {
	/** The session to start from (a copy is kept); default: none. */
	initial?: PersistedSession | null;
}

/**
 * Keeps the session in memory, for tests and short-lived clients. What is stored is a private
 * copy: changing an object passed to `save()` or returned by `load()` never changes the store.
 * Granular methods change the stored session in place, without copying it.
 */
export class MemorySessionBackend extends BaseSessionBackend {
	readonly name = "memory";
	override readonly capabilities: BackendCapabilities = {
		persistent: false,
		multiSession: false,
		locking: false,
		nativeGranular: true,
		coalescing: false,
		extensions: true,
		nativeLookups: true,
	};
	#session: PersistedSession | null;
	/** Kept between in-place calls, so a batch costs its size, not the session's. */
	#index: PeerIndex | undefined;

	/** Starts empty, or with a copy of `initial`. Same as {@link MemorySessionBackend.open}. */
	constructor(initial: PersistedSession | null = null) {
		super();
		this.#session = initial && cloneSession(initial);
	}

	/** A backend holding a copy of `options.initial`, or nothing; the shape every backend opens with. */
	static async open(options: MemorySessionOptions = {}): Promise<MemorySessionBackend> {
		return new MemorySessionBackend(options.initial ?? null);
	}

	/** A copy of what is stored right now, without waiting for queued calls (for tests). */
	snapshot(): PersistedSession | null {
		return this.#session && cloneSession(this.#session);
	}

	protected async loadSession(options?: LoadOptions): Promise<PersistedSession | null> {
		const s = this.#session;
		// without peers, nothing of the peer cache is copied
		if (s && options?.peers === false) return cloneSession({ ...s, peers: [] });
		return this.snapshot();
	}

	protected async saveSession(session: PersistedSession): Promise<void> {
		this.#session = cloneSession(session);
	}

	protected async deleteSession(): Promise<void> {
		this.#session = null;
	}

	/** Runs `change` on the stored session (created empty when there is none), in the queue. */
	#inPlace(change: (session: PersistedSession) => void): Promise<void> {
		return this.exclusive(async () => {
			this.#session ??= emptySession();
			change(this.#session);
		});
	}

	#peerIndex(session: PersistedSession): PeerIndex {
		this.#index = PeerIndex.of(session, this.#index);
		return this.#index;
	}

	// Arguments are copied when the call is made: changing them afterwards never reaches the store.
	override updateDc(dc: DcEntry): Promise<void> {
		let copy: DcEntry;
		try {
			copy = checkedDc(dc, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.#inPlace((s) => upsertDc(s, copy));
	}

	// checked as every other backend checks them: memory used to keep a pts beyond i32, which no
	// conversion to a file or string could then write
	override setHomeDc(dcId: number): Promise<void> {
		try {
			checkHomeDc(dcId, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.#inPlace((s) => {
			s.homeDcId = dcId;
		});
	}

	override applyUpdateState(change: UpdateStateChange): Promise<void> {
		let copy: UpdateStateChange;
		try {
			copy = checkedStateChange(change, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.#inPlace((s) => applyUpdateStateChange(s.updatesState, copy));
	}

	override cachePeers(peers: readonly CachedPeer[]): Promise<void> {
		let copy: CachedPeer[];
		try {
			copy = preparePeers(peers, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.#inPlace((s) => upsertPreparedPeers(s, copy, this.#peerIndex(s)));
	}

	/** Checked whole first, then applied in place in one step: nothing can see half of it. */
	override applyChanges(changes: SessionChanges): Promise<void> {
		let prepared: PreparedChanges;
		try {
			prepared = prepareChanges(changes, this.name, true);
		} catch (error) {
			return Promise.reject(error);
		}
		if (changesAreEmpty(prepared)) return this.exclusive(async () => {});
		return this.#inPlace((s) => applySessionChanges(s, prepared, this.#peerIndex(s)));
	}

	// async: a bad argument rejects; the change is still queued synchronously, in call order
	override async setExtension(key: string, value: Uint8Array | SecretBytes): Promise<void> {
		const v = extensionValue(key, value, this.name);
		return this.#inPlace((s) => setSessionExtension(s, key, v));
	}

	override deleteExtension(key: string): Promise<void> {
		try {
			checkExtensionKey(key, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.#inPlace((s) => setSessionExtension(s, key, null));
	}

	/** Lookups read the stored session in place (they copy only what they return). */
	protected override async peekSession(): Promise<PersistedSession | null> {
		return this.#session;
	}

	// O(1) through the peer index instead of a scan of the session's peers
	override getPeer(kind: PeerKind, id: bigint): Promise<CachedPeer | null> {
		return this.#lookup((index) => index.peer(kind, id));
	}

	override findPeerByUsername(username: string): Promise<CachedPeer | null> {
		return this.#lookup((index) => index.byUsername(String(username)));
	}

	override findPeerByPhone(phone: string): Promise<CachedPeer | null> {
		return this.#lookup((index) => index.byPhone(String(phone)));
	}

	#lookup(find: (index: PeerIndex) => CachedPeer | undefined): Promise<CachedPeer | null> {
		return this.exclusive(async () => {
			const found = this.#session && find(this.#peerIndex(this.#session));
			return found ? clonePeer(found) : null;
		});
	}
}
