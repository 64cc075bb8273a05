import {
	applySessionChanges,
	changesAreEmpty,
	checkedDc,
	checkedStateChange,
	checkHomeDc,
	checkSessionFields,
	type PreparedChanges,
	prepareChanges,
} from "./changes.js";
import { upsertDc } from "./dc-slots.js";
import { SessionBackendError } from "./errors.js";
import {
	ByteSlab,
	checkExtensionKey,
	clonePeer,
	extensionValue,
	findPeerByPhoneIn,
	findPeerByUsernameIn,
	preparedPeer,
	sessionExtensionKeys,
	setSessionExtension,
} from "./extensions.js";
import { upsertPreparedPeers } from "./peer-index.js";
import { findPeer } from "./peers.js";
import type { SecretBytes } from "./secret.js";
import { SerialQueue } from "./serial-queue.js";
import { cloneSession, emptySession } from "./session.js";
import type {
	CachedPeer,
	DcEntry,
	LoadOptions,
	PeerKind,
	PersistedSession,
	SessionChanges,
	UpdateStateChange,
} from "./types.js";
import { applyUpdateStateChange } from "./update-state.js";

/**
 * What a backend can do, read by the conformance suite and by callers. A capability a backend
 * lacks is declared `false`, never silently skipped.
 */
export interface BackendCapabilities {
	/** Data survives `close()` and a new instance on the same storage reads it back. */
	readonly persistent: boolean;
	/** One storage holds several sessions, told apart by a session id. */
	readonly multiSession: boolean;
	/** A single-writer lock or lease keeps a second instance from using the same session. */
	readonly locking: boolean;
	/** Granular methods write only what changed instead of load → mutate → save. */
	readonly nativeGranular: boolean;
	/** Writes can be coalesced and held until `flush()`. */
	readonly coalescing: boolean;
	/** Extension values and peer metadata are stored and read back (see `PeerMeta`). */
	readonly extensions: boolean;
	/** `getPeer`, `findPeerBy*` and `getExtension` answer without loading the whole session. */
	readonly nativeLookups: boolean;
}

/**
 * The async session-store contract. Every data method returns a Promise; `close()` is explicit.
 *
 * Matching rules (same in every backend): DC entries by slot (`dcId` plus the IPv6, media-only
 * and CDN bits); peers by `(kind, id)`, where a zero access hash never replaces a known one;
 * channel pts by channel id; min peers by user id. A full `save()` stores the session as given
 * (counters may go backwards) and `load()` returns it; list order is not guaranteed.
 */
export interface SessionBackend {
	/** Short label used in errors and logs, e.g. `"file"`, `"sqlite"`. */
	readonly name: string;
	readonly capabilities: BackendCapabilities;
	/**
	 * The stored session, or `null` when there is none yet. With `{ peers: false }`, everything
	 * but the peer cache, which comes back as `peers: []` (see {@link LoadOptions}): what a client
	 * needs to start, without reading every peer; a client then finds peers through `getPeer` and
	 * `findPeerBy*`. Every other field equals what a full `load()` returns.
	 */
	load(options?: LoadOptions): Promise<PersistedSession | null>;
	/** Replaces the whole stored session, atomically. */
	save(session: PersistedSession): Promise<void>;
	/** Removes the stored session. Loading afterwards returns `null`. */
	delete(): Promise<void>;
	/** Persists anything pending and releases locks and connections. Idempotent. */
	close(): Promise<void>;
	/** Persists coalesced writes now. A no-op for backends that do not coalesce. */
	flush(): Promise<void>;
	/** Replaces the DC entry in the same slot, or appends it. */
	updateDc(dc: DcEntry): Promise<void>;
	setHomeDc(dcId: number): Promise<void>;
	applyUpdateState(change: UpdateStateChange): Promise<void>;
	cachePeer(peer: CachedPeer): Promise<void>;
	/**
	 * Caches a batch of peers in one write. A peer's `meta`, when given, replaces its stored
	 * metadata, and the usernames and phone in it are taken from any other peer.
	 */
	cachePeers(peers: readonly CachedPeer[]): Promise<void>;
	/**
	 * Applies `changes` in the order of the fields of {@link SessionChanges}, as one atomic write:
	 * a reader never sees part of it, a failure leaves none of it applied, and an invalid argument
	 * rejects before anything is written. An empty batch is a no-op. Extension parts on a backend
	 * whose `capabilities.extensions` is false reject with `UNSUPPORTED`, as `setExtension` does.
	 */
	applyChanges(changes: SessionChanges): Promise<void>;
	/** Sets one extension value (a copy is stored). */
	setExtension(key: string, value: Uint8Array | SecretBytes): Promise<void>;
	/** Removes one extension value; no error when it is absent. */
	deleteExtension(key: string): Promise<void>;
	/** One extension value, or `null`. */
	getExtension(key: string): Promise<SecretBytes | null>;
	/** Extension keys that start with `prefix` (all when omitted), sorted. */
	listExtensionKeys(prefix?: string): Promise<string[]>;
	/** The cached peer `(kind, id)` with its metadata, or `null`. */
	getPeer(kind: PeerKind, id: bigint): Promise<CachedPeer | null>;
	/** The peer that owns `username` (case-insensitive, `@` optional), or `null`. */
	findPeerByUsername(username: string): Promise<CachedPeer | null>;
	/** The peer with this phone number (compared as digits), or `null`. */
	findPeerByPhone(phone: string): Promise<CachedPeer | null>;
	/**
	 * Optional synchronous lookups, for clients that must answer at once (GramJS asks its session
	 * synchronously): what `getPeer` would resolve to (`null`: not stored), or `undefined` when the
	 * backend cannot answer synchronously now (a write of this instance queued or coalesced, a
	 * transaction open), and the caller then uses `getPeer`. An answer sees every earlier call's
	 * effect, as `getPeer` would. A backend offers these only where its storage reads
	 * synchronously (SQLite, libSQL local files); present, it offers all three. Errors are thrown.
	 */
	readonly getPeerNow?: (kind: PeerKind, id: bigint) => CachedPeer | null | undefined;
	/** As `findPeerByUsername`, synchronously (see {@link SessionBackend.getPeerNow}). */
	readonly findPeerByUsernameNow?: (username: string) => CachedPeer | null | undefined;
	/** As `findPeerByPhone`, synchronously (see {@link SessionBackend.getPeerNow}). */
	readonly findPeerByPhoneNow?: (phone: string) => CachedPeer | null | undefined;
}

/** `session` with an empty peer cache, for a load without peers (`session` itself is not changed). */
export function withoutPeers(session: PersistedSession | null): PersistedSession | null {
	return session && session.peers.length > 0 ? { ...session, peers: [] } : session;
}

function copyOf(peer: CachedPeer | null | undefined): CachedPeer | null {
	return peer ? clonePeer(peer) : null;
}

/** A validated copy of `peers` in stored form (metadata normalized, see `normalizePeerMeta`). */
export function preparePeers(peers: readonly CachedPeer[], backend: string): CachedPeer[] {
	const slab = new ByteSlab();
	return peers.map((p) => preparedPeer(p, backend, slab));
}

/** A copy of `session` ready to store: every field checked, peer metadata normalized. */
export function prepareSession(session: PersistedSession, backend: string): PersistedSession {
	// every backend refuses here what the v8 encoder would (a DC address over 255 bytes, a pts
	// beyond i32, ...): stored by one backend, it would fail the next conversion to another
	checkSessionFields(session, backend);
	// the peers are copied once, as they are prepared (a clone first would copy their data twice)
	const copy = cloneSession({ ...session, peers: [] });
	copy.peers = preparePeers(session.peers, backend);
	for (const [key, value] of copy.extensions ?? []) extensionValue(key, value, backend);
	return copy;
}

/**
 * A base for backends: implement `loadSession`, `saveSession` and `deleteSession`, and the
 * granular methods work as load → mutate → save. Every call runs through one queue per
 * instance, so concurrent granular calls never lose an update (the reference's bug, FORMAT.md §8.3).
 * Backends that can write one row override the granular methods.
 */
export abstract class BaseSessionBackend implements SessionBackend {
	abstract readonly name: string;
	readonly capabilities: BackendCapabilities = {
		persistent: false,
		multiSession: false,
		locking: false,
		nativeGranular: false,
		coalescing: false,
		extensions: false,
		nativeLookups: false,
	};
	/** The calls queued by {@link exclusive}. */
	readonly #queue = new SerialQueue();
	#closed = false;

	/**
	 * The stored session. With `options.peers === false` a backend may leave the peer cache out
	 * (`load()` drops whatever peers come back, so ignoring the option is correct, only slower).
	 */
	protected abstract loadSession(options?: LoadOptions): Promise<PersistedSession | null>;
	protected abstract saveSession(session: PersistedSession): Promise<void>;
	protected abstract deleteSession(): Promise<void>;
	/** Releases resources; called once by `close()` after pending work. */
	protected async closeSession(): Promise<void> {}

	/** Runs `task` after every call queued before it; a failure does not block later calls. */
	protected exclusive<T>(task: () => Promise<T>): Promise<T> {
		if (this.#closed) return Promise.reject(this.closedError());
		// the queue counts a task out before the caller resumes: `idle` is true again by then
		return this.#queue.run(task);
	}

	/**
	 * No queued call is pending and the backend is open: a read that runs at once, synchronously,
	 * sees every earlier call's effect and comes before every later one (a fast path).
	 */
	protected get idle(): boolean {
		return this.#queue.pending === 0 && !this.#closed;
	}

	/** Load (or start empty) → `mutate` → save, as one exclusive step. */
	protected mutate(mutate: (session: PersistedSession) => void): Promise<void> {
		return this.exclusive(async () => {
			const session = (await this.loadSession()) ?? emptySession();
			mutate(session);
			await this.saveSession(session);
		});
	}

	protected closedError(): SessionBackendError {
		return new SessionBackendError("CLOSED", "backend is closed", { backend: this.name });
	}

	protected get closed(): boolean {
		return this.#closed;
	}

	load(options?: LoadOptions): Promise<PersistedSession | null> {
		if (options?.peers !== false) return this.exclusive(() => this.loadSession());
		return this.exclusive(async () => withoutPeers(await this.loadSession({ peers: false })));
	}

	save(session: PersistedSession): Promise<void> {
		let copy: PersistedSession;
		try {
			copy = prepareSession(session, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.exclusive(() => this.saveSession(copy));
	}

	delete(): Promise<void> {
		return this.exclusive(() => this.deleteSession());
	}

	flush(): Promise<void> {
		return this.exclusive(async () => {});
	}

	async close(): Promise<void> {
		if (this.#closed) return;
		const pending = this.#queue.settled();
		this.#closed = true;
		await pending;
		await this.closeSession();
	}

	// Arguments are copied when the call is made, not when it runs: a caller may change its
	// object right after the call, and the queued write must not see that.
	updateDc(dc: DcEntry): Promise<void> {
		let copy: DcEntry;
		try {
			copy = checkedDc(dc, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.mutate((s) => upsertDc(s, copy));
	}

	// checked as SQL and Redis check them: a value out of i32 range would fail every later save
	setHomeDc(dcId: number): Promise<void> {
		try {
			checkHomeDc(dcId, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.mutate((s) => {
			s.homeDcId = dcId;
		});
	}

	applyUpdateState(change: UpdateStateChange): Promise<void> {
		let copy: UpdateStateChange;
		try {
			copy = checkedStateChange(change, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.mutate((s) => applyUpdateStateChange(s.updatesState, copy));
	}

	cachePeer(peer: CachedPeer): Promise<void> {
		return this.cachePeers([peer]);
	}

	cachePeers(peers: readonly CachedPeer[]): Promise<void> {
		let copy: CachedPeer[];
		try {
			copy = preparePeers(peers, this.name);
		} catch (error) {
			return Promise.reject(error);
		}
		return this.mutate((s) => upsertPreparedPeers(s, copy));
	}

	/**
	 * One load → apply every part → save. Backends that write in place or by rows override it
	 * (see {@link prepareChanges} and {@link applySessionChanges}).
	 */
	applyChanges(changes: SessionChanges): Promise<void> {
		let prepared: PreparedChanges;
		try {
			prepared = prepareChanges(changes, this.name, this.capabilities.extensions);
		} catch (error) {
			return Promise.reject(error);
		}
		if (changesAreEmpty(prepared)) return this.exclusive(async () => {});
		return this.mutate((s) => applySessionChanges(s, prepared));
	}

	// Extension data and lookups, over load → mutate → save and load. Backends that store rows
	// or hash fields override them (and declare `nativeLookups`).

	setExtension(key: string, value: Uint8Array | SecretBytes): Promise<void> {
		return this.#extensionWrite(() => {
			const v = extensionValue(key, value, this.name);
			return this.mutate((s) => setSessionExtension(s, key, v));
		});
	}

	deleteExtension(key: string): Promise<void> {
		return this.#extensionWrite(() => {
			checkExtensionKey(key, this.name);
			return this.mutate((s) => setSessionExtension(s, key, null));
		});
	}

	getExtension(key: string): Promise<SecretBytes | null> {
		return this.#lookup((s) => {
			checkExtensionKey(key, this.name);
			return s?.extensions?.get(key) ?? null;
		});
	}

	listExtensionKeys(prefix = ""): Promise<string[]> {
		return this.#lookup((s) => (s ? sessionExtensionKeys(s, prefix) : []));
	}

	getPeer(kind: PeerKind, id: bigint): Promise<CachedPeer | null> {
		return this.#lookup((s) => copyOf(s && findPeer(s, kind, id)));
	}

	findPeerByUsername(username: string): Promise<CachedPeer | null> {
		return this.#lookup((s) => copyOf(s && findPeerByUsernameIn(s, username)));
	}

	findPeerByPhone(phone: string): Promise<CachedPeer | null> {
		return this.#lookup((s) => copyOf(s && findPeerByPhoneIn(s, phone)));
	}

	/**
	 * The stored session for a lookup, which only reads it. Defaults to `loadSession()`; backends
	 * that hold the session in memory return it without copying.
	 */
	protected peekSession(): Promise<PersistedSession | null> {
		return this.loadSession();
	}

	#lookup<T>(find: (session: PersistedSession | null) => T): Promise<T> {
		return this.exclusive(async () => find(await this.peekSession()));
	}

	/** Refuses extension writes a backend has declared it cannot keep, instead of dropping them. */
	#extensionWrite(write: () => Promise<void>): Promise<void> {
		if (!this.capabilities.extensions)
			return Promise.reject(
				new SessionBackendError("UNSUPPORTED", "this backend does not store extension data", {
					backend: this.name,
				}),
			);
		try {
			return write();
		} catch (error) {
			return Promise.reject(error);
		}
	}
}
