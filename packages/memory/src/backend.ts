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
	sameDcSlot,
	upsertPreparedPeers,
} from "@x/session-core/backend";

/** What an in-place change made while idle returns: it is done when the call returns. */
const DONE: Promise<void> = Promise.resolve();

const BY_ID = 0;
const BY_USERNAME = 1;
const BY_PHONE = 2;
type Lookup = typeof BY_ID | typeof BY_USERNAME | typeof BY_PHONE;

/** Stores a checked copy in its slot, as it is (upsertDc would copy it once more). */
function putDc(session: PersistedSession, dc: DcEntry): void {
	const dcs = session.dcs;
	for (let i = 0; i < dcs.length; i++)
		if (sameDcSlot(dcs[i] as DcEntry, dc)) {
			dcs[i] = dc;
			return;
		}
	dcs.push(dc);
}

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

	/**
	 * Runs `change` on the stored session (created empty when there is none): at once when no
	 * call is queued (the same order the queue would give, without a trip through it), else in
	 * the queue after the calls before it.
	 */
	#inPlace(change: (session: PersistedSession) => void): Promise<void> {
		if (!this.idle)
			return this.exclusive(async () => {
				this.#session ??= emptySession();
				change(this.#session);
			});
		try {
			this.#session ??= emptySession();
			change(this.#session);
			return DONE;
		} catch (error) {
			return Promise.reject(error);
		}
	}

	/** Every change is in place once its call returned while the backend was idle. */
	override flush(): Promise<void> {
		return this.idle ? DONE : super.flush();
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
		if (!this.idle) return this.#inPlace((s) => putDc(s, copy));
		// the common case, without a closure: nothing queued, so the change is made now
		this.#session ??= emptySession();
		putDc(this.#session, copy);
		return DONE;
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

	// O(1) through the peer index instead of a scan of the session's peers; no closure per call
	override getPeer(kind: PeerKind, id: bigint): Promise<CachedPeer | null> {
		return this.#lookup(BY_ID, kind, id);
	}

	override findPeerByUsername(username: string): Promise<CachedPeer | null> {
		return this.#lookup(BY_USERNAME, "user", username);
	}

	override findPeerByPhone(phone: string): Promise<CachedPeer | null> {
		return this.#lookup(BY_PHONE, "user", phone);
	}

	#lookup(by: Lookup, kind: PeerKind, key: bigint | string): Promise<CachedPeer | null> {
		// nothing queued: the answer is the same now as in the queue
		if (!this.idle) return this.exclusive(async () => this.#find(by, kind, key));
		try {
			return Promise.resolve(this.#find(by, kind, key));
		} catch (error) {
			return Promise.reject(error);
		}
	}

	/** A copy of the peer found, or `null`. */
	#find(by: Lookup, kind: PeerKind, key: bigint | string): CachedPeer | null {
		if (!this.#session) return null;
		const index = this.#peerIndex(this.#session);
		const found =
			by === BY_ID
				? index.peer(kind, key as bigint)
				: by === BY_USERNAME
					? index.byUsername(String(key))
					: index.byPhone(String(key));
		return found ? clonePeer(found) : null;
	}
}
